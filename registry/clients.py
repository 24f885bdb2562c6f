"""Who is asking: the client's address, for throttling and login lockout.

REMOTE_ADDR is the client unless it is one of the proxies that the settings trust
(DJANGO_TRUSTED_PROXIES, addresses or networks). Only then is X-Forwarded-For read, from the
right: each trusted proxy appends the address it received the request from, so the first
address from the right that is not a trusted proxy is the client. Anything a client writes
into the header itself stands to the left of that and is never used.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    address = _parse(remote)
    if address is None or not networks or not _trusted(address, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        hop_address = _parse(hop)
        if hop_address is None:
            break  # a malformed entry: nothing to its left can be trusted
        address = hop_address
        if not _trusted(address, networks):
            break
    return str(address)
