"""What the seed's research covers reaches the person, in every language (issue 12, "Honest,
and covering what the seed covers"): ways in for people who are deaf or find English hard,
My Support Space offered as help, offline sharing and who is often responsible, the police
referral to Victim Support, a page for parents and carers, and an answer for "not sure it is me".

Each phrase below is the page's own words in that language (drafts for native review), so a
page that loses the fact in one language fails here.
"""

import pytest
from django.test import Client

from reclaim.web.support.content import library

LANGUAGES = ("en", "pl", "ro", "ur", "ar")

# Victim Support arranges an interpreter on request (victimsupport.org.uk, "Interpreters").
INTERPRETER = {
    "en": "they can arrange an interpreter",
    "pl": "mogą zapewnić tłumacza",
    "ro": "pot aranja un interpret",
    "ur": "ترجمان کا انتظام کر سکتے ہیں",
    "ar": "يمكنهم ترتيب مترجم",
}
GETTING_HELP = {
    "en": "Getting help",
    "pl": "Gdzie szukać pomocy",
    "ro": "Unde găsești ajutor",
    "ur": "مدد حاصل کرنا",
    "ar": "الحصول على المساعدة",
}
NO_ACCOUNT = {  # My Support Space: free, and no account needed
    "en": "You can use them without an account",
    "pl": "Możesz z nich korzystać bez konta",
    "ro": "Le poți folosi fără cont",
    "ur": "آپ انہیں اکاؤنٹ کے بغیر استعمال کر سکتے ہیں",
    "ar": "يمكنك استخدامها دون حساب",
}
OFFLINE = {
    "en": "showing it to someone on a phone, or printing it",
    "pl": "pokazanie go komuś na telefonie czy wydrukowanie go",
    "ro": "arătarea ei cuiva pe telefon sau tipărirea ei",
    "ur": "کسی کو فون پر دکھانا، یا اسے پرنٹ کرنا",
    "ar": "أو عرضها على أحد على الهاتف، أو طباعتها",
}
EX_PARTNER = {
    "en": "such as a partner or ex-partner",
    "pl": "na przykład partner lub były partner",
    "ro": "de exemplu un partener sau un fost partener",
    "ur": "جیسے ساتھی یا سابق ساتھی",
    "ar": "مثل شريك أو شريك سابق",
}
REFERRAL = {
    "en": "the police should offer to refer you to Victim Support",
    "pl": "policja powinna zaproponować skierowanie cię do Victim Support",
    "ro": "poliția ar trebui să se ofere să te îndrume către Victim Support",
    "ur": "آپ کو Victim Support یا متاثرین کی مدد کرنے والی",
    "ar": "ينبغي أن تعرض عليك الشرطة إحالتك إلى Victim Support",
}


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.mark.parametrize("code", LANGUAGES)
def test_start_page_getting_help_has_relay_uk_signlive_interpreters_and_my_support_space(
    client: Client, code: str
) -> None:
    html = page(client, f"/{code}/")
    assert f'<h2 id="getting-help">{GETTING_HELP[code]}</h2>' in html
    help_section = html[html.index('id="getting-help"') :]
    for fact in ("Relay UK", "18001", "SignLive", INTERPRETER[code], NO_ACCOUNT[code]):
        assert fact in help_section, fact
    assert 'href="https://www.mysupportspace.org.uk/"' in help_section


@pytest.mark.parametrize("code", LANGUAGES)
def test_uk_helplines_directory_has_the_ways_in_and_my_support_space(
    client: Client, code: str
) -> None:
    html = page(client, f"/{code}/helplines/gb/")
    for fact in ("<h2>Relay UK</h2>", "18001", "<h2>SignLive</h2>", INTERPRETER[code]):
        assert fact in html, fact
    assert "<h2>My Support Space (Victim Support)</h2>" in html and NO_ACCOUNT[code] in html


@pytest.mark.parametrize("code", LANGUAGES)
def test_coping_guide_offers_my_support_space(client: Client, code: str) -> None:
    html = page(client, f"/{code}/guides/coping/")
    talk = html[html.index('id="talk"') :]
    assert (
        '<a href="https://www.mysupportspace.org.uk/" rel="noreferrer noopener">My Support' in talk
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_what_it_is_says_offline_sharing_counts_and_who_is_often_responsible(
    client: Client, code: str
) -> None:
    html = page(client, f"/{code}/guides/what-it-is/")
    assert OFFLINE[code] in html and EX_PARTNER[code] in html


@pytest.mark.parametrize("code", LANGUAGES)
def test_police_walkthrough_says_the_police_should_offer_a_referral(
    client: Client, code: str
) -> None:
    sections = library().document("walkthrough", "police", code).sections
    step = [section.id for section in sections].index("support") + 1
    assert REFERRAL[code] in page(client, f"/{code}/walkthrough/police/{step}/")


@pytest.mark.parametrize("code", LANGUAGES)
def test_under_18_route_has_a_page_for_parents_and_carers(client: Client, code: str) -> None:
    plan = page(client, f"/{code}/plan/under-18/")
    assert f'href="/{code}/guides/for-parents-and-carers/"' in plan
    guide = page(client, f"/{code}/guides/for-parents-and-carers/")
    for fact in ("childline.org.uk/remove", "takeitdown.ncmec.org", "ceop.police.uk", "0800 1111"):
        assert fact in guide, fact
    assert "<h1>" + library().document("guide", "for-parents-and-carers", code).title in guide


@pytest.mark.parametrize("code", LANGUAGES)
def test_not_sure_it_is_me_has_its_own_answer_where_removal_and_evidence_still_apply(
    client: Client, code: str
) -> None:
    assert 'value="not-sure-its-me"' in page(client, f"/{code}/")
    asked = client.get(f"/{code}/start/age/", {"situation": "not-sure-its-me"})
    assert asked.status_code == 200, "the age question still comes first"
    answered = client.get(f"/{code}/start/age/", {"situation": "not-sure-its-me", "age": "adult"})
    assert answered["Location"] == f"/{code}/plan/not-sure-its-me/"
    html = page(client, f"/{code}/plan/not-sure-its-me/")
    for target in ("guides/keeping-evidence/", "guides/asking-for-removal/", "walkthrough/police/"):
        assert f'href="/{code}/{target}"' in html, target
    under_18 = {"situation": "not-sure-its-me", "age": "under-18"}
    assert client.get(f"/{code}/start/age/", under_18)["Location"] == f"/{code}/plan/under-18/"
