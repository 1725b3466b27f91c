"""Where an audited request comes from: the workstation's address and the request's id."""

import ipaddress
import random


def address_at(rng: random.Random, site_id: int) -> str:
    """A workstation at the site: IPv4 mostly, some IPv6 (as `clean_ipv6_address` keeps it)."""
    if rng.random() < 0.03:
        return str(ipaddress.IPv6Address(f"2001:db8:{site_id:x}::{rng.getrandbits(16):x}"))
    return f"10.{site_id}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def request_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"
