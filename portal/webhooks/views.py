"""Shopify posts here: `/hooks/shopify/<endpoint public id>/`. No session, no CSRF: the HMAC is the credential."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.webhooks.selectors import unscoped_endpoint_by_public_id
from portal.webhooks.services import delivery_receive


@csrf_exempt
@require_POST
def shopify_webhook(request, public_id):
    endpoint = unscoped_endpoint_by_public_id(public_id)
    if endpoint is None:
        return JsonResponse(
            {"detail": "No webhook endpoint has this address: copy it again from the portal."}, status=404
        )
    answer = delivery_receive(endpoint=endpoint, body=request.body, headers=request.headers)
    return JsonResponse(answer.as_json(), status=answer.status)
