"""Redaction of recorded rows: consistent pseudonyms, by column name or as configured, in text too."""

from __future__ import annotations

import pytest

from kqlrules.testing.redaction import Redactor


def test_the_same_user_gets_the_same_pseudonym_in_every_column_and_table() -> None:
    redactor = Redactor("salt")
    signin = redactor.row({"UserPrincipalName": "Adele@Contoso.com"})
    audit = redactor.row({"InitiatedBy": {"user": {"userPrincipalName": "adele@contoso.com"}}})
    assert signin["UserPrincipalName"] == audit["InitiatedBy"]["user"]["userPrincipalName"]
    assert signin["UserPrincipalName"].endswith(".example")
    assert "adele" not in signin["UserPrincipalName"].lower()


def test_another_salt_gives_other_pseudonyms() -> None:
    assert Redactor("a").pseudonym("adele@contoso.com", "upn") != Redactor("b").pseudonym(
        "adele@contoso.com", "upn"
    )


def test_addresses_stay_addresses_in_reserved_ranges() -> None:
    redactor = Redactor("salt")
    assert redactor.value("IPAddress", "203.0.113.7").startswith(("198.18.", "198.19."))
    assert redactor.value("CallerIpAddress", "2001:4860::1").startswith("2001:db8:")


def test_device_names_are_redacted_by_column() -> None:
    assert Redactor("salt").value("Computer", "LAPTOP-ADELE").startswith("host-")


def test_emails_and_ips_inside_free_text_are_replaced() -> None:
    text = Redactor("salt").value("ResultDescription", "adele@contoso.com signed in from 203.0.113.7")
    assert "adele@contoso.com" not in text and "203.0.113.7" not in text


def test_columns_can_be_kept_dropped_or_hashed_as_configured() -> None:
    redactor = Redactor("salt", {"UserPrincipalName": "keep", "AppDisplayName": "hash", "UserAgent": "drop"})
    row = redactor.row(
        {"UserPrincipalName": "adele@contoso.com", "AppDisplayName": "Teams", "UserAgent": "x"}
    )
    assert row["UserPrincipalName"] == "adele@contoso.com"
    assert row["AppDisplayName"] != "Teams" and row["UserAgent"] is None


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown redaction 'blur'"):
        Redactor("salt", {"UserAgent": "blur"})
