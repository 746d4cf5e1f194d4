"""The sink's store decodes each message once, and forgets the ones deleted."""

from __future__ import annotations

from devstack.mail_store import Maildir

RAW = b"From: a@exemple.fr\r\nTo: b@exemple.fr\r\nSubject: Bonjour\r\n\r\nCorps\r\n"


def test_a_message_is_decoded_once_and_forgotten_when_deleted(tmp_path):
    box = Maildir(tmp_path)
    message_id = box.add(RAW, "a@exemple.fr", ["b@exemple.fr"])
    first = box.get(message_id)
    assert first is not None and first["subject"] == "Bonjour"
    assert box.get(message_id) is first  # decoded once
    assert [m["id"] for m in box.all()] == [message_id]
    assert box.delete(message_id)
    assert box.get(message_id) is None and box.all() == []


def test_a_file_removed_behind_the_store_s_back_is_not_served_from_memory(tmp_path):
    box = Maildir(tmp_path)
    message_id = box.add(RAW, "a@exemple.fr", ["b@exemple.fr"])
    assert box.get(message_id) is not None
    (tmp_path / f"{message_id}.eml").unlink()
    assert box.get(message_id) is None
