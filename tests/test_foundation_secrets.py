"""Keys are scrubbed from anything written, and no committed file carries one."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from course_utils.errors import FixtureError
from course_utils.fixtures import load_manifest, save_fixture
from course_utils.secrets import find_secrets, mask, scrub, scrub_headers

ROOT = Path(__file__).resolve().parent.parent

SAMPLES = {
    "openai": "sk" + "-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
    "google": "AI" + "zaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r",
    "jwt": "ey" + "JhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhay0xMjM0NSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    "runway": "key_" + "0123456789abcdef" * 4,
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_scrub_removes_each_key_form(kind):
    secret = SAMPLES[kind]
    text = '{"Authorization": "Bearer ' + secret + '", "note": "' + secret + '"}'
    assert secret not in scrub(text)
    assert find_secrets(text) and not find_secrets(scrub(text))


def test_scrub_headers_query_and_signed_urls():
    assert scrub_headers({"Authorization": "Bearer abc", "x-goog-api-key": "zzz", "Accept": "json"}) == {
        "Authorization": "<redacted>", "x-goog-api-key": "<redacted>", "Accept": "json"}
    url = "https://x.example/v1/files?" + "key=" + "AIzaSecretSecretSecret1234&alt=json"
    assert "Secret" not in scrub(url) and "alt=json" in scrub(url)
    signed = "https://storage.example/v.mp4?X-Goog-" + "Signature=" + "abcdef0123456789abcdef&X-Goog-Expires=900"
    assert "abcdef0123456789" not in scrub(signed)
    assert scrub("api-key" + ": 0123456789abcdefXYZ") == "api-key: <redacted>"
    assert scrub("my own secret value", extra_secrets=["own secret"]) == "my <redacted> value"


def test_mask_never_shows_characters():
    assert mask("sk-secret-value") == "<set, 15 chars>" and mask(None) == "<not set>"


def test_save_fixture_scrubs_and_requires_provenance(tmp_path):
    with pytest.raises(FixtureError, match="provenance"):
        save_fixture("x", "y", {}, root=tmp_path)
    folder = save_fixture("area", "rec", {"provenance": "recorded live", "headers": {"Authorization": "Bearer " + SAMPLES["openai"]}},
                          files={"events.jsonl": '{"key": "' + SAMPLES["google"] + '"}'}, root=tmp_path)
    written = "".join(p.read_text() for p in folder.rglob("*") if p.is_file())
    assert not find_secrets(written) and "recorded live" in written


def test_every_fixture_has_provenance():
    fixtures = sorted((ROOT / "data" / "fixtures").glob("*/*/manifest.json"))
    for manifest in fixtures:
        area, name = manifest.parent.parent.name, manifest.parent.name
        assert load_manifest(area, name)["provenance"]


def test_no_committed_or_staged_file_carries_a_key():
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True).stdout.split()
    offenders = []
    for rel in listed:
        path = ROOT / rel
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        offenders += [(rel, name) for name, _ in find_secrets(text)]
    assert not offenders, f"secret-looking strings in: {offenders}"


def test_placeholders_are_not_secrets_but_tokens_are():
    assert not find_secrets("Missing bearer authentication in the Authorization header")
    assert not find_secrets('{"Authorization": "Bearer test-key"}') and not find_secrets("Bearer {api_key}")
    assert find_secrets("Authorization: Bearer " + "ek_68a1b2c3d4e5f6a7b8c9d0")
    assert find_secrets("bearer " + "9f8e7d6c5b4a39281706abcd")
