"""The app's languages: Dutch by default, English one click away.

Pages are written in English and shown through the Dutch catalogue below unless the analyst
switched to English (kept in the session). ``tests/client/app/test_app_i18n.py`` fails when a
text of a page has no Dutch. Stored codes (kinds, categories, roles) have labels of their own.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, session

from client import kinds
from client.app.choices import ChoiceError

LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"

DUTCH: dict[str, str] = {
    "(whole row)": "(hele rij)",
    "A column set to 'category' wins over this choice, row by row.": (
        "Een kolom met 'categorie' gaat per rij voor deze keuze."
    ),
    "A coordinator released these alerts to you. Your own case numbers come from the ledger on"
    " this computer.": (
        "Een coördinator heeft deze meldingen aan u vrijgegeven. Uw eigen zaaknummers komen uit"
        " het register op deze computer."
    ),
    "Alert {id}: {kind}": "Melding {id}: {kind}",
    "Alerts for your agency": "Meldingen voor uw organisatie",
    "Alerts": "Meldingen",
    "Apply": "Toepassen",
    "Cancel": "Annuleren",
    "Case number": "Zaaknummer",
    "Signals from an export named {name} were prepared before: {count}. Submitting the same rows"
    " again sends them twice.": (
        "Uit een export met de naam {name} zijn al eerder signalen voorbereid: {count}. Stuurt u"
        " dezelfde rijen opnieuw in, dan staan ze twee keer bij de matcher."
    ),
    "Signals of case {case} at the matcher: {count}.": (
        "Signalen van zaak {case} bij de matcher: {count}."
    ),
    "Category and retention": "Categorie en bewaartermijn",
    "Category": "Categorie",
    "Choose a file first.": "Kies eerst een bestand.",
    "Choose a file": "Bestand kiezen",
    "Choose an export": "Kies een export",
    "Choose the CSV or Excel file with your signals. It stays on this computer: the app reads it"
    " here and sends only tokens.": (
        "Kies het CSV- of Excelbestand met uw signalen. Het blijft op deze computer: de app leest"
        " het hier en verstuurt alleen tokens."
    ),
    "Column in the file": "Kolom in het bestand",
    "Column": "Kolom",
    "Columns": "Kolommen",
    "Contact them through your usual legal channel.": (
        "Neem contact op via uw gebruikelijke juridische kanaal."
    ),
    "Download the list of rejected rows (CSV: row, column, rule)": (
        "Download de lijst met afgewezen rijen (CSV: rij, kolom, regel)"
    ),
    "Export file (.csv or .xlsx)": "Exportbestand (.csv of .xlsx)",
    "File and row": "Bestand en rij",
    "Go to the alerts": "Naar de meldingen",
    "Holds": "Bevat",
    "Identifiers are normalised and turned into tokens on this computer.": (
        "Gegevens worden op deze computer genormaliseerd en omgezet in tokens."
    ),
    "Keep the signals at the matcher for (days)": "Bewaar de signalen bij de matcher (dagen)",
    "Main": "Hoofdmenu",
    "Name of this export type (optional)": "Naam van dit soort export (optioneel)",
    "Next: choose the columns": "Verder: kolommen kiezen",
    "No alerts have been released to your agency.": (
        "Er zijn nog geen meldingen aan uw organisatie vrijgegeven."
    ),
    "No matcher is set: start the app with --matcher URL.": (
        "Er is geen matcher ingesteld: start de app met --matcher URL."
    ),
    "Not the right column names? The column names are in row": (
        "Niet de juiste kolomnamen? De kolomnamen staan in rij"
    ),
    "Nothing to withdraw: these signals were withdrawn before.": (
        "Niets in te trekken: deze signalen zijn al eerder ingetrokken."
    ),
    "Observed": "Waargenomen",
    "One signal without a case number.": "Eén signaal zonder zaaknummer.",
    "Only .csv and .xlsx files can be read: save the export as one of these.": (
        "Alleen .csv- en .xlsx-bestanden kunnen worden gelezen: sla de export op als een daarvan."
    ),
    "Only tokens, random references, the category and dates are sent. Your case numbers stay in"
    " the ledger on this computer.": (
        "Alleen tokens, willekeurige referenties, de categorie en datums worden verstuurd. Uw"
        " zaaknummers blijven in het register op deze computer."
    ),
    "Other agencies": "Andere organisaties",
    "Phone numbers without a country code are from": "Telefoonnummers zonder landcode komen uit",
    "Prepare": "Voorbereiden",
    "Preparing stopped: {reason}": "Het voorbereiden is gestopt: {reason}",
    "Preparing {name}": "{name} wordt voorbereid",
    "Preparing": "Voorbereiden",
    "Preview of {name}": "Voorbeeld van {name}",
    "Preview": "Voorbeeld",
    "Progress": "Voortgang",
    "Read again": "Opnieuw lezen",
    "Rejected rows and skipped cells, by rule": "Afgewezen rijen en overgeslagen cellen, per regel",
    "Result for {name}": "Resultaat voor {name}",
    "Result": "Resultaat",
    "Row": "Rij",
    "Rows above row {row} (a title) were skipped.": (
        "De rijen boven rij {row} (een titel) zijn overgeslagen."
    ),
    "Rule": "Regel",
    "Runs on this computer only. Identifiers leave it only as tokens.": (
        "Draait alleen op deze computer. Gegevens verlaten hem alleen als tokens."
    ),
    "Save for next time": "Bewaren voor de volgende keer",
    "Saved export types": "Bewaarde soorten export",
    "Seen from {first} to {last}; released on {released}.": (
        "Gezien van {first} tot {last}; vrijgegeven op {released}."
    ),
    "Show preview": "Voorbeeld tonen",
    "Skip to content": "Naar de inhoud",
    "Steps": "Stappen",
    "Submit an export": "Export insturen",
    "Submit another export": "Nog een export insturen",
    "Submit to the matcher": "Insturen naar de matcher",
    "Submit": "Insturen",
    "Batches submitted: {batches}. When a coordinator releases an alert about these signals,"
    " it appears under Alerts.": (
        "Ingestuurde batches: {batches}. Als een coördinator een melding over deze signalen"
        " vrijgeeft, verschijnt die onder Meldingen."
    ),
    "Submitted. Signals the matcher received: {signals}.": (
        "Ingestuurd. Signalen die de matcher heeft ontvangen: {signals}."
    ),
    "Submitting failed: {reason}": "Insturen is mislukt: {reason}",
    "The alerts could not be fetched: {reason}": (
        "De meldingen konden niet worden opgehaald: {reason}"
    ),
    "The choices are guessed from the column names. Check them; columns set to 'not used' are"
    " never read.": (
        "De keuzes zijn afgeleid uit de kolomnamen. Controleer ze; kolommen op 'niet gebruikt'"
        " worden nooit gelezen."
    ),
    "The column names are in row {row}.": "De kolomnamen staan in rij {row}.",
    "The columns of these export types are mapped at once when a file of that type is chosen:": (
        "De kolommen van deze soorten export worden meteen ingevuld als u zo'n bestand kiest:"
    ),
    "The first rows, as read": "De eerste rijen, zoals gelezen",
    "The matcher refused the key: {reason}": "De matcher weigerde de sleutel: {reason}",
    "The rows above it (a title) are skipped.": "De rijen erboven (een titel) worden overgeslagen.",
    "The saved export type '{name}' was applied. Check it and change what is needed.": (
        "Het bewaarde soort export '{name}' is toegepast. Controleer het en pas aan wat nodig is."
    ),
    "This file cannot be read: {reason}": "Dit bestand kan niet worden gelezen: {reason}",
    "This preparation has nothing left to submit.": (
        "Deze voorbereiding heeft niets meer in te sturen."
    ),
    "Times": "Aantal",
    "Totals row recognised and skipped: row {rows}.": (
        "Totaalregel herkend en overgeslagen: rij {rows}."
    ),
    "Use a saved export type": "Een bewaard soort export gebruiken",
    "What is in each column?": "Wat staat er in elke kolom?",
    "Where the signals come from": "Waar de signalen vandaan komen",
    "Withdraw signals?": "Signalen intrekken?",
    "Withdraw": "Intrekken",
    "Withdrawing deletes their tokens at the matcher: they match nothing any more, and alerts that"
    " rest on them lose them. This cannot be undone; to match again, submit the export again.": (
        "Intrekken verwijdert hun tokens bij de matcher: ze komen nergens meer mee overeen, en"
        " meldingen die erop rusten verliezen ze. Dit kan niet ongedaan worden gemaakt; stuur de"
        " export opnieuw in om weer te matchen."
    ),
    "Withdrawing failed: {reason}": "Intrekken is mislukt: {reason}",
    "Signals withdrawn: {count}. The matcher deleted their tokens.": (
        "Ingetrokken signalen: {count}. De matcher heeft hun tokens verwijderd."
    ),
    "Withdraw…": "Intrekken…",
    "Yes, withdraw": "Ja, intrekken",
    "Your signals": "Uw signalen",
    "no case number": "geen zaaknummer",
    "no contact point registered": "geen contactpunt geregistreerd",
    "not in this ledger": "niet in dit register",
    "not used": "niet gebruikt",
    "withdrawn": "ingetrokken",
    "Phone numbers without a country code, read as Dutch: {count}.": (
        "Telefoonnummers zonder landcode, als Nederlands gelezen: {count}."
    ),
    "Rows with data: {count}.": "Rijen met gegevens: {count}.",
    "Rows that cannot be read (listed as rejected): {count}.": (
        "Rijen die niet te lezen zijn (als afgewezen vermeld): {count}."
    ),
    "Cells with a formula without a saved result, read as blank: {count}. Open the file in Excel"
    " and save it again.": (
        "Cellen met een formule zonder opgeslagen uitkomst, als leeg gelezen: {count}. Open het"
        " bestand in Excel en sla het opnieuw op."
    ),
    "signals: {count}": "signalen: {count}",
    "Rows read: {rows}. Signals prepared: {signals}. Rows rejected: {rejected}.": (
        "Gelezen rijen: {rows}. Voorbereide signalen: {signals}. Afgewezen rijen: {rejected}."
    ),
    "{source}, row {row}": "{source}, rij {row}",
    # labels of roles, kinds, categories and regions
    "address (one column)": "adres (in één kolom)",
    "address: street": "adres: straat",
    "address: house number": "adres: huisnummer",
    "address: addition": "adres: toevoeging",
    "address: postcode": "adres: postcode",
    "address: city": "adres: plaats",
    "own case number": "eigen zaaknummer",
    "date of birth": "geboortedatum",
    "observation date": "datum waarneming",
    "category": "categorie",
    "country of the phone number": "land van het telefoonnummer",
    "permit application": "vergunningaanvraag",
    "inspection": "controle",
    "advertisement monitoring": "advertentiemonitoring",
    "intake interview": "intakegesprek",
    "tip": "melding of tip",
    "police report": "aangifte of proces-verbaal",
    "Bibob": "Bibob",
    "other": "overig",
    "the Netherlands (or as written)": "Nederland (of zoals geschreven)",
    "new": "nieuw",
    "in triage": "in behandeling",
    "disclosure requested": "verstrekking gevraagd",
    "disclosed": "verstrekt",
    "case proposed": "zaak voorgesteld",
    "handed over": "overgedragen",
    "closed": "gesloten",
    "dismissed": "afgewezen (vals alarm)",
    "no action": "geen actie",
    "embargoed": "onder embargo",
    "merged": "samengevoegd",
    "expired": "verlopen",
    # error pages and form errors
    "Open the app at 127.0.0.1 or localhost, through the link 'kruispunt app' gave.": (
        "Open de app op 127.0.0.1 of localhost, via de link die 'kruispunt app' gaf."
    ),
    "Bad request": "Ongeldig verzoek",
    "Not allowed": "Geen toegang",
    "Not found": "Niet gevonden",
    "File too large": "Bestand te groot",
    "Something went wrong": "Er ging iets mis",
    "This start link was used before or is wrong. Stop the app and start 'kruispunt app' again"
    " for a new link.": (
        "Deze startlink is al gebruikt of klopt niet. Stop de app en start 'kruispunt app'"
        " opnieuw voor een nieuwe link."
    ),
    "The form was open too long or came from elsewhere. Go back, reload the page and try again.": (
        "Het formulier stond te lang open of kwam van elders. Ga terug, laad de pagina opnieuw en"
        " probeer het nog eens."
    ),
    "This page does not exist (any more). Files chosen before the app was restarted are gone.": (
        "Deze pagina bestaat niet (meer). Bestanden die vóór een herstart zijn gekozen, zijn weg."
    ),
    "The file is larger than the app takes. Split the export into parts.": (
        "Het bestand is groter dan de app aanneemt. Splits de export in delen."
    ),
    "Open the app through the link that 'kruispunt app' printed or opened.": (
        "Open de app via de link die 'kruispunt app' toonde of opende."
    ),
    "Choose at least one column with an identifier (phone number, address, name …).": (
        "Kies ten minste één kolom met een identificerend gegeven (telefoonnummer, adres, naam …)."
    ),
    "Give only one column the role '{role}'.": "Geef maar één kolom de rol '{role}'.",
    "An address in separate columns needs a house number and a postcode or street.": (
        "Een adres in losse kolommen heeft een huisnummer en een postcode of straat nodig."
    ),
    "A date of birth is used with a person's name: choose a name column too.": (
        "Een geboortedatum hoort bij een naam: kies ook een kolom met de naam."
    ),
    "Give the retention as a number of days.": "Geef de bewaartermijn op als een aantal dagen.",
    "Choose a category.": "Kies een categorie.",
    "The form holds a choice the app does not know. Reload the page.": (
        "Het formulier bevat een keuze die de app niet kent. Laad de pagina opnieuw."
    ),
    "These columns cannot be used: {reason}": "Deze kolommen zijn niet te gebruiken: {reason}",
}

ROLE_LABELS: dict[str, str] = {
    "street": "address: street",
    "house_number": "address: house number",
    "addition": "address: addition",
    "postcode": "address: postcode",
    "city": "address: city",
    "case": "own case number",
    "dob": "date of birth",
    "observed": "observation date",
    "category": "category",
    "region": "country of the phone number",
}
CATEGORY_LABELS: dict[str, str] = {
    "permit_application": "permit application",
    "inspection": "inspection",
    "advertisement_monitoring": "advertisement monitoring",
    "intake_interview": "intake interview",
    "tip": "tip",
    "police_report": "police report",
    "bibob": "Bibob",
    "other": "other",
}
STATUS_LABELS: dict[str, str] = {
    "new": "new",
    "triage": "in triage",
    "disclosure_requested": "disclosure requested",
    "disclosed": "disclosed",
    "case_proposed": "case proposed",
    "handed_over": "handed over",
    "closed": "closed",
    "dismissed": "dismissed",
    "no_action": "no action",
    "embargoed": "embargoed",
    "merged": "merged",
    "expired": "expired",
}
_ERRORS: dict[int, tuple[str, str]] = {
    400: (
        "Bad request",
        "The form was open too long or came from elsewhere. Go back, reload the page and try"
        " again.",
    ),
    403: (
        "Not allowed",
        "Open the app through the link that 'kruispunt app' printed or opened.",
    ),
    404: (
        "Not found",
        "This page does not exist (any more). Files chosen before the app was restarted are gone.",
    ),
    413: ("File too large", "The file is larger than the app takes. Split the export into parts."),
}
_SPENT = (
    "This start link was used before or is wrong. Stop the app and start 'kruispunt app' again"
    " for a new link."
)
_HOST = "Open the app at 127.0.0.1 or localhost, through the link 'kruispunt app' gave."
_CHOICE_ERRORS: dict[str, str] = {
    "no identifier": (
        "Choose at least one column with an identifier (phone number, address, name …)."
    ),
    "one column only": "Give only one column the role '{role}'.",
    "address parts": (
        "An address in separate columns needs a house number and a postcode or street."
    ),
    "dob needs person": "A date of birth is used with a person's name: choose a name column too.",
    "retention must be a number of days": "Give the retention as a number of days.",
    "choose a category": "Choose a category.",
    "unknown role": "The form holds a choice the app does not know. Reload the page.",
    "unknown region": "The form holds a choice the app does not know. Reload the page.",
    "library": "These columns cannot be used: {reason}",
}


def language() -> str:
    """Return the reader's language: the one chosen in this session, else Dutch."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _(message: str, **values: Any) -> str:
    """Return message in the reader's language, with {names} filled in."""
    text = DUTCH.get(message, message) if language() == "nl" else message
    return text.format(**values) if values else text


def number(value: int) -> str:
    """Write a count as the reader expects: 12.345 in Dutch, 12,345 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if language() == "nl" else text


def kind_label(kind: str) -> str:
    """Return a kind's label from its spec (the one place kinds are named)."""
    spec = kinds.spec(kind)
    return spec.label.in_language(language()) if spec is not None else kind


def role_label(role: str) -> str:
    if role == "address":
        return _("address (one column)")
    if role in ROLE_LABELS:
        return _(ROLE_LABELS[role])
    return kind_label(role)


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def category_label(category: str) -> str:
    return _(CATEGORY_LABELS.get(category, category))


def region_label(region: str) -> str:
    return region or _("the Netherlands (or as written)")


def error_title(code: int) -> str:
    return _(_ERRORS.get(code, ("Something went wrong", ""))[0])


def error_text(code: int, reason: str | None) -> str:
    if code == 403 and reason == "spent":
        return _(_SPENT)
    if reason == "host":
        return _(_HOST)
    return _(_ERRORS.get(code, ("", ""))[1])


def choice_error(error: ChoiceError) -> str:
    """Say in the reader's language why the column form cannot be used."""
    message = _CHOICE_ERRORS.get(error.key, _CHOICE_ERRORS["unknown role"])
    values = {"role": role_label(str(error.values.get("role", "")))}
    values["reason"] = str(error.values.get("message", ""))
    return _(message, **values)


def init_app(app: Flask) -> None:
    """Give every template the translation functions and the reader's language."""
    app.jinja_env.globals.update(
        _=_,
        number=number,
        role_label=role_label,
        kind_label=kind_label,
        category_label=category_label,
        status_label=status_label,
        region_label=region_label,
        error_title=error_title,
        error_text=error_text,
        languages=LANGUAGES,
    )
    app.context_processor(lambda: {"lang": language()})
