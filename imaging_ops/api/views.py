from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from imaging_ops.access.authority import account_may_act
from imaging_ops.api.base import ScopedReadOnlyViewSet
from imaging_ops.api.serializers import SiteSerializer, TokenRequestSerializer, TokenSerializer
from imaging_ops.models import Site
from imaging_ops.security.tokens import issue_api_token


class TokenThrottle(AnonRateThrottle):
    rate = "30/minute"


class TokenView(APIView):
    """Exchange a username and password for an expiring API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

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


class SiteViewSet(ScopedReadOnlyViewSet):
    """The sites you hold a role at."""

    queryset = Site.objects.order_by("code")
    serializer_class = SiteSerializer
