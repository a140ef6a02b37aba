"""E-mail addresses and web addresses: one mailbox, one host, whatever the spelling."""

from __future__ import annotations

import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from client.normalizers import normalize
from client.normalizers._placeholders import is_placeholder

labels = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
locals_ = st.text(alphabet=string.ascii_lowercase + string.digits + "_", min_size=1, max_size=12)
domains = st.builds(lambda a, b: f"{a}.{b}", labels, st.sampled_from(["nl", "ro", "com", "de"]))


@settings(max_examples=100, deadline=None)
@given(local=locals_, domain=domains, tag=labels)
def test_mailbox_ignores_case_mailto_and_plus_tags(local: str, domain: str, tag: str) -> None:
    assume(not is_placeholder("email", f"{local}@{domain}"))
    expected = f"{local}@{domain}"
    spellings = [
        expected.upper(),
        f"mailto:{local}@{domain}",
        f"{local}+{tag}@{domain}",
        f"Someone <{local}@{domain}>",
        f"{local} [at] {domain.replace('.', ' [dot] ')}",
    ]
    assert {normalize("email", spelling) for spelling in spellings} == {expected}


@settings(max_examples=100, deadline=None)
@given(local=st.lists(locals_, min_size=1, max_size=3), tag=labels)
def test_gmail_ignores_dots_and_googlemail(local: list[str], tag: str) -> None:
    assume(not is_placeholder("email", f"{''.join(local)}@gmail.com"))
    expected = f"{''.join(local)}@gmail.com"
    dotted = ".".join(local)
    for spelling in [f"{dotted}@gmail.com", f"{dotted}+{tag}@googlemail.com"]:
        assert normalize("email", spelling) == expected


def test_dots_matter_outside_gmail() -> None:
    assert normalize("email", "a.na@example.nl") != normalize("email", "ana@example.nl")


@settings(max_examples=100, deadline=None)
@given(
    host=domains,
    scheme=st.sampled_from(["", "http://", "https://", "HTTPS://", "//"]),
    www=st.sampled_from(["", "www.", "WWW."]),
    port=st.sampled_from(["", ":80", ":8443"]),
    path=st.sampled_from(["", "/", "/ads/123?ref=x#top", "?q=1"]),
)
def test_host_ignores_scheme_www_port_and_path(
    host: str, scheme: str, www: str, port: str, path: str
) -> None:
    assert normalize("url", f"{scheme}{www}{host.upper()}{port}{path}") == host


def test_internationalized_hosts_are_idna_encoded_in_both_kinds() -> None:
    assert normalize("url", "https://www.bücher.de/") == "xn--bcher-kva.de"
    assert normalize("email", "ana@BÜCHER.de") == "ana@xn--bcher-kva.de"
