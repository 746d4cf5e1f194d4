"""The local run makes the caller-signing key pair once and gives each side its half."""

from __future__ import annotations

from contracts import signed_caller
from devstack import run


def test_the_key_pair_is_made_once_under_var_and_kept(tmp_path):
    first = run.caller_keys({}, tmp_path)
    stored = tmp_path / "caller_signing_key.pem"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert run.caller_keys({}, tmp_path) == first
    signing = signed_caller.load_signing_key(first["CALLER_SIGNING_KEY"])
    assert set(signed_caller.load_verify_keys(first["CALLER_VERIFY_KEY"])) == {signing.thumbprint()}


def test_a_signing_key_given_in_the_environment_wins(tmp_path):
    mine = signed_caller.private_pem(signed_caller.generate_key())
    keys = run.caller_keys({"CALLER_SIGNING_KEY": mine}, tmp_path)
    assert keys["CALLER_SIGNING_KEY"] == mine
    assert not (tmp_path / "caller_signing_key.pem").exists()
    assert "PRIVATE" not in keys["CALLER_VERIFY_KEY"]
