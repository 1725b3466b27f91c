from django.contrib.auth import authenticate
from rest_framework import serializers

from imaging_ops.models import Site
from imaging_ops.security.backends import sign_in_refused_message


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        user = authenticate(
            self.context["request"], username=attrs["username"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(sign_in_refused_message(), code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "time_zone",
            "clinical_days",
            "opens_at",
            "closes_at",
            "address",
        ]
