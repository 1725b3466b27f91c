"""API shapes shared by every signed record: a signature as read, and a request to sign."""

from rest_framework import serializers

from imaging_ops.models import Meaning


class SignatureStateSerializer(serializers.Serializer):
    """A signature with its manifestation and whether it still verifies (11.50, 11.70)."""

    id = serializers.IntegerField(source="signature.pk")
    signer = serializers.IntegerField(source="signature.signer_id")
    printed_name = serializers.CharField(source="signature.printed_name")
    credentials = serializers.CharField(source="signature.credentials")
    meaning = serializers.CharField(source="signature.meaning")
    signed_at = serializers.DateTimeField(source="signature.signed_at")
    content_hash = serializers.CharField(source="signature.content_hash")
    manifestation = serializers.CharField()
    valid = serializers.BooleanField(
        help_text="False when the version no longer says what was signed (modified after signing)."
    )


class SignRequestSerializer(serializers.Serializer):
    """Through the API the username and password go with every signature (11.200(a))."""

    username = serializers.CharField(
        required=False, allow_blank=True, help_text="Your own username; required every time."
    )
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    meaning = serializers.ChoiceField(choices=Meaning.choices)
    acknowledge_policy = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Required at your first signature: you accept the e-signature policy.",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version number you read; refused with 409 if it is no longer current.",
    )
