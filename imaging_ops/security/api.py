"""/api/v1/auth/token/: a username and password exchanged for an expiring API token."""

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from imaging_ops.access.authority import account_may_act
from imaging_ops.security.backends import sign_in_refused_message
from imaging_ops.security.rate_limits import SharedRateThrottle, token_limit
from imaging_ops.security.tokens import issue_api_token


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


class TokenThrottle(SharedRateThrottle):
    """RATE_LIMIT_TOKEN_PER_MINUTE requests per client address, counted across web workers."""

    limit = staticmethod(token_limit)


class TokenView(APIView):
    """Exchange a username and password for an expiring API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait,
            detail=f"Too many token requests from this address: try again in {int(wait)} seconds.",
        )

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        now = timezone.now()
        allowed, why = account_may_act(user, now)
        if not allowed:
            raise exceptions.AuthenticationFailed(why)
        token, key = issue_api_token(user=user, now=now)
        return Response({"token": key, "expires_at": token.expires_at}, status=status.HTTP_200_OK)
