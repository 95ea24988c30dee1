"""Notices read like the portal's own, in the recipient's language (seed 000 §2.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifications.notices import templates
from notifications.notices.templates import NoticeType, Rendered


def test_pending_access_notice_in_english_names_the_business_the_requester_and_the_comment() -> None:
    text = templates.pending_access(
        "en",
        business=templates.business("en", "100001254", "ImporterCompany1755"),
        requester="Jean Tremblay",
        comment="  I file our declarations.  ",
    )

    assert text.subject == "Pending access request for your business"
    assert text.body.startswith(
        "You have a new pending access request from Jean Tremblay for ImporterCompany1755 (100001254)."
    )
    assert "Comment from the requester: “I file our declarations.”" in text.body
    assert "Manage pending access requests" in text.body


def test_pending_access_notice_in_french_reads_like_the_portal() -> None:
    text = templates.pending_access(
        "fr",
        business=templates.business("fr", "100001254", "ImporterCompany1755"),
        requester="Jean Tremblay",
        comment="Je produis nos déclarations.",
    )

    assert text.subject == "Demande d'accès en attente pour votre entreprise"
    assert text.body.startswith(
        "Vous avez une nouvelle demande d'accès en attente de Jean Tremblay pour ImporterCompany1755 (100001254)."
    )
    assert "Commentaire du demandeur : « Je produis nos déclarations. »" in text.body
    assert "Gérer les demandes d'accès en attente" in text.body


@pytest.mark.parametrize(
    ("notice_type", "en", "fr"),
    [
        (
            NoticeType.DELEGATION_PENDING_ACCESS,
            "Delegation changes \N{EN DASH} pending access",
            "Modifications apportées à la délégation \N{EN DASH} En attente de l'accès",
        ),
        (
            NoticeType.SECURITY_SIGN_IN_LOCKED,
            "Security \N{EN DASH} sign-in locked",
            "Sécurité \N{EN DASH} Connexion verrouillée",
        ),
    ],
)
def test_type_labels_in_both_languages(notice_type: NoticeType, en: str, fr: str) -> None:
    assert templates.type_label(notice_type, "en") == en
    assert templates.type_label(notice_type.value, "fr") == fr


def test_every_type_has_a_label_and_templates_in_both_languages() -> None:
    for notice_type in NoticeType:
        assert set(templates.TYPE_LABELS[notice_type]) == {"en", "fr"}


def test_approval_names_the_role_and_programs_in_the_recipients_language() -> None:
    english = templates.access_approved(
        "en", business="Harp & Co. (123456154)", role="pam", programs=["123456154RM0001"]
    )
    french = templates.access_approved("fr", business="Harp & Co. (123456154)", role="bam", programs="all")

    assert english.subject == "Your access request was approved"
    assert "Role: Program account manager (PAM)" in english.body
    assert "Program accounts: 123456154RM0001" in english.body
    assert french.subject == "Votre demande d'accès a été approuvée"
    assert "Rôle : Gestionnaire de compte d'entreprise (GCE)" in french.body
    assert "Comptes de programme : Tous les comptes de programme" in french.body


def test_rejection_quotes_the_justification() -> None:
    english = templates.access_rejected("en", business="business 100001254", comment="Unknown to us.")
    french = templates.access_rejected("fr", business="l'entreprise 100001254", comment="Inconnu.")

    assert english.subject == "Your access request was rejected"
    assert "Your request for access to business 100001254 was rejected." in english.body
    assert "Reason given: “Unknown to us.”" in english.body
    assert french.subject == "Votre demande d'accès a été refusée"
    assert "Motif indiqué : « Inconnu. »" in french.body


def test_locked_sign_in_tells_the_user_to_change_the_password_if_it_was_not_them() -> None:
    locked_at = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
    english = templates.sign_in_locked("en", failed_attempts=5, locked_at=locked_at)
    french = templates.sign_in_locked("fr", failed_attempts=5, locked_at=locked_at)

    assert english.subject == "Your sign-in was locked"
    assert "locked on 2026-11-24 at 14:05 UTC after 5 incorrect one-time codes" in english.body
    assert "If it was not you, change your password now" in english.body
    assert french.subject == "Votre connexion a été verrouillée"
    assert "le 2026-11-24 à 14 h 05 (UTC) après 5 codes" in french.body
    assert "Si ce n'était pas vous, changez votre mot de passe" in french.body


def test_unnamed_business_and_unknown_user_are_named_by_their_identifiers() -> None:
    assert templates.business("en", "100001254", None) == "business 100001254"
    assert templates.business("fr", "100001254", "  ") == "l'entreprise 100001254"
    assert templates.user("en", "u-7", None) == "user u-7"
    assert templates.user("fr", "u-7", None) == "l'utilisateur u-7"


def test_names_from_other_services_are_kept_on_one_line() -> None:
    assert templates.business("en", "100001254", "Evil\r\nBcc: x@example.com") == "Evil Bcc: x@example.com (100001254)"


def test_email_adds_how_to_read_the_notice_and_marks_urgent_ones() -> None:
    notice = Rendered("Your sign-in was locked", "Body.")
    urgent_fr = templates.email("fr", Rendered("Votre connexion a été verrouillée", "Corps."), urgent=True)
    plain_en = templates.email("en", notice, urgent=False)

    assert plain_en.subject == "Your sign-in was locked"
    assert plain_en.body.startswith("Body.\n\n")
    assert "Sign in to the CARM Client Portal and select Notices to read this notice." in plain_en.body
    assert "Urgent notices" not in plain_en.body
    assert urgent_fr.subject == "Urgent : Votre connexion a été verrouillée"
    assert "Ouvrez une session dans le portail client de la GCRA" in urgent_fr.body
    assert "Les avis urgents sont toujours envoyés par courriel" in urgent_fr.body
