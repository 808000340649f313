"""Phrases that mean 'someone is in danger right now', as a safety net under the classifier.

The statistical model decides most cases. These patterns catch the plain-language signals of
an emergency in progress that a bag-of-n-grams model can underweight in a long message
("op dit moment", "ik zit verstopt", "hij staat in mijn huis"). A false alarm costs one extra
112 reminder; a missed emergency can cost a life, so the net leans towards firing.
"""

from __future__ import annotations

import re

# The intent of a message about danger now (DIET's, or set by the triage component).
ACUTE_INTENT = "acute_danger"

_NOW = r"(?:op dit moment|op dit ogenblik|op het moment|momenteel|terwijl ik dit (?:typ|schrijf)|terwijl ik hier (?:ben|sta|zit)|right now|\brn\b|as we speak|at this moment)"
_VIOLENCE = (
    r"(?:slaat|slaan|geslagen|schopt|schoppen|trapt|wurgt|wurgen|steekt|bedreigt|dreigt|sleurt|"
    r"duwt|gooit|schreeuwt|schreeuwen|geschreeuw|gilt|gillen|gegil|krijst|krijsen|huilt|huilen|"
    r"bonkt|bonken|klappen|bloedt|vecht|vechten|mishandelt|verkracht|"
    r"hitting|beating|choking|screaming|bleeding|attacking|stabbing)"
)
_PATTERNS = [
    # an explicit "right now" anywhere, but not "op dit moment niet in gevaar"
    rf"{_NOW}(?![^.!?]{{0,30}}\b(?:niet|geen)\s+(?:direct\s+|acuut\s+)?(?:in\s+)?gevaar\b(?!\s+brengen))",
    # "nu" right next to an act of violence, but not "nu al" / "tot nu" (= for a long time)
    rf"\b{_VIOLENCE}\b(?:\s+\w+){{0,3}}\s+nu\b(?!\s+al\b)",
    # ("en nu dreigt hij ..." is what he threatens to do later; "nu bedreigt hij haar" is now)
    rf"(?<!tot )\bnu\b(?!\s+al\b)(?:\s+\w+){{0,2}}\s+(?!dreigt\b){_VIOLENCE}\b",
    # "slaat zijn dochtertje van een jaar of 6 nu steeds": over and over, now
    rf"\b{_VIOLENCE}\b(?:\s+\w+){{0,8}}\s+nu (?:steeds|de hele tijd|constant|aan een stuk)\b",
    # hiding or trapped now
    r"\b(?:zit|zitten|ben|heb me|hebben ons)\s+(?:me\s+|ons\s+)?(?:verstopt|opgesloten|ingesloten)\b",
    r"\b(?:ik zit|we zitten|zit) nu (?:in|op) (?:de|het|mijn|m'n|onze) (?:badkamer|wc|toilet|slaapkamer|kamer|kast|zolder|kelder|auto)\b",
    r"\b(?:heb|hebben) (?:mezelf|mijzelf|me|ons|onszelf) (?:nu )?(?:opgesloten|ingesloten|verstopt)\b",
    r"\bi(?:'m| am) hiding\b",
    # "ik heb me in zijn badkamer opgesloten" (not "... opgesloten tot hij weg was": over)
    r"\b(?:heb|hebben) (?:me|mezelf|mijzelf|ons) (?:in|op) (?:de|het|zijn|haar|mijn|een|d'r) \w+ "
    r"(?:opgesloten|ingesloten|verstopt)\b(?!\s+(?:tot|totdat|toen)\b)",
    # locked in, and still there: "... de deur op slot gedaan ... Ik zit hier nog steeds"
    r"\bop slot\b.{0,150}\bzit (?:hier |ik )?nog steeds\b",
    r"\bdurf (?:me )?niet (?:te )?(?:bewegen|naar buiten|de deur uit)\b",
    # the violent person is here or coming, now
    r"(?<!politie )(?<!ambulance )\bstaat (?:nu )?(?:beneden |buiten )?(?:in|voor) (?:mijn|m'n|mn|ons|onze|de|het) (?:huis|deur|voordeur|kamer|raam|woning|flat|portiek)\b",
    r"\bkomt (?:nu|zo|eraan) (?:naar )?(?:huis|binnen|hierheen)?\b.*\b(?:mes|pistool|wapen|vermoorden|dood)\b",
    # a weapon in hand now
    r"\b(?:heeft|pakt|houdt) (?:nu )?(?:een |zijn |haar )?(?:mes|pistool|wapen|schaar|hamer|bijl)\b(?:\s+\w+){0,3}\s+(?:nu\b(?!\s+al\b)|in (?:zijn|haar) hand|vast\b)",
    r"\b(?:staat|loopt|zit) (?:nu )?(?:met )?(?:een |zijn |haar )?(?:brood)?mes (?:te )?(?:zwaaien|in (?:zijn|haar) hand)\b",
    r"\b(?:staat|loopt) (?:nu )?met een (?:brood|keuken|groot )?mes\b",
    r"\bzwaait (?:nu )?(?:met )?(?:een |zijn |haar )?(?:brood|keuken)?(?:mes|pistool|wapen|hamer|bijl)\b",
    # the writer is the danger, now: "ik sta nu voor haar deur", "ik heb een mes bij me"
    r"\bik sta (?:nu|hier) (?:bij|voor|in) (?:haar|zijn|hun|de|het) (?:huis|deur|woning|flat|school)\b",
    r"\bik heb (?:nu )?(?:een |het )?(?:mes|pistool|wapen) bij me\b",
    # someone badly hurt now
    r"\b(?:ligt|lag) (?:nu )?(?:bewusteloos|op de grond|in het bloed|te bloeden)\b",
    r"\b(?:beweegt|reageert|ademt) niet meer\b",
    # still going on: "het houdt niet op", "het gaat maar door", "al een kwartier"
    r"\b(?:het|dit|hij|zij|ze) (?:houdt|stopt) (?:maar )?niet (?:meer )?op\b(?!\s+met\b)",
    r"\bhet gaat (?:maar )?(?:door|verder)\b",
    # the progressive is now: "hij loopt te schreeuwen", "hij is aan het slaan" (not "loopt
    # altijd te schreeuwen")
    r"\b(?:loopt|staat|zit|is|zijn|staan|lopen)\s+(?:nu\s+|weer\s+)?(?:te|aan\s+het)\s+"
    r"(?:schreeuwen|slaan|gooien|schoppen|trappen|bonken|vechten|gillen|dreigen|duwen|slopen|"
    r"smijten|razen|tieren)\b",
    r"\bal (?:een |ruim een |bijna een )?(?:kwartier|half uur|uur|paar minuten|\d+ minuten)\b.{0,60}"
    rf"\b{_VIOLENCE}\b",
    rf"\b{_VIOLENCE}\b.{{0,60}}\bal (?:een |ruim een |bijna een )?(?:kwartier|half uur|uur|paar minuten|\d+ minuten)\b",
    r"\bblijft (?:me|mij|haar|hem|ons) (?:maar )?(?:aanraken|betasten|slaan|schoppen|duwen|bedreigen|wurgen)\b",
    # started again in the middle of the chat: "o nee ze zijn weer begonnen"
    r"\b(?:nu|net|o nee|oh nee|shit)\b[^.!?]{0,25}\bweer begonnen\b(?!\s+met)",
    # about to happen: the violent person on the way, arriving in minutes, a departure today
    r"\b(?:hij|zij|ze|mijn \w+) (?:is|zijn) (?:nu |al )?onderweg\b",
    r"\b(?:hij|zij|ze) (?:komt|komen) (?:nu |zo )?eraan\b|\bdat (?:hij|zij|ze) (?:nu |zo )?eraan (?:komt|komen)\b",
    # his key in the door: "shit ik hoor de sleutel", "ik hoor zijn sleutel in het slot"
    r"\bik hoor (?:de|zijn|haar|een) sleutel\b",
    r"\bover (?:een |ongeveer een |nog geen )?(?:kwartier|half uur|paar minuten|\d+ minuten|tien minuten|vijf minuten|twintig minuten)\b",
    r"\b(?:vandaag|vanavond|vannacht)\b.{0,80}\b(?:terugvlucht|vlucht|vliegtuig|uithuwelijken|meegenomen|meenemen|naar het buitenland|bruiloft)\b",
    # a threat to kill shouted now: "iemand schreeuwt ik steek je neer"
    r"\b(?:schreeuwt|roept|gilt|brult)\b[^.!?]{0,15}\bik (?:steek je|maak je dood|vermoord je|sla je dood)\b",
    # the writer about to do harm, asking to be stopped: "hou me tegen alsjeblieft"
    r"\bhou (?:me|mij) (?:alsjeblieft |aub |svp )?tegen\b",
    # a threat to kill tonight: "ze zegt dat we vannacht samen doodgaan"
    r"\b(?:vannacht|vanavond|straks|vandaag)\b.{0,40}\b(?:doodgaan|dood gaan|vermoorden|vermoord|doodmaken|dood maken|ombrengen)\b",
    # ... and told the other way round: "hij zei dat hij me vermoordt als ik vanavond niet thuis ben"
    r"\b(?:vermoordt|vermoorden|vermoord|doodmaakt|dood maakt|ombrengt|afmaakt)\b[^.!?]{0,40}\b(?:vannacht|vanavond|straks|vandaag)\b",
    # a young child alone and nobody answers the door
    r"\bdoet (?:er )?niemand (?:meer )?open\b.*\b(?:baby|kind|kindje|peuter)\b",
    r"\b(?:baby|kind|kindje|peuter)\b.*\b(?:krijst|huilt|gilt)\b.*\bniemand (?:doet )?(?:meer )?open\b",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
# The same without the bare "op dit moment" (the first pattern): an answer to "is er op dit
# moment iemand in gevaar?" echoes it ("Nee, op dit moment zit ze naast me").
_REGEX_BEYOND_NOW = re.compile("|".join(f"(?:{p})" for p in _PATTERNS[1:]), re.IGNORECASE)


def signals_acute_danger(text: str) -> bool:
    """True when the message has a plain signal of danger happening now (help on its way is
    none: "ik heb 112 gebeld, ze komen eraan")."""
    return bool(_REGEX.search(_without_help(text)))


def signals_acute_danger_in_answer(text: str) -> bool:
    """signals_acute_danger for a message that answers the danger question with "nee": a plain
    signal other than the question's own "op dit moment"."""
    return bool(_REGEX_BEYOND_NOW.search(_without_help(text)))


# Words that place what is described in the past or a later day, or make it a pattern ("elke
# avond", "laatst", "morgen"). They do not rule danger out, but the classifier must be surer before it calls
# such a message acute when no plain now-signal is present.
_HABITUAL = re.compile(
    r"\b(?:elke|iedere) (?:dag|avond|nacht|week|ochtend|keer)\b|\b(?:vaak|regelmatig|steeds|"
    r"altijd|laatst|gisteren|gisteravond|vannacht|vorige (?:week|maand)|al (?:jaren|maanden|weken)|"
    # a moment that is not now: "morgen komt hij zijn spullen halen", "mijn man is overleden"
    r"morgen|overmorgen|volgende week|overleden|overleed|"
    r"soms|often|always|last (?:week|night|month)|every (?:day|night|evening))\b",
    re.IGNORECASE,
)


def signals_habitual(text: str) -> bool:
    """True when the message speaks of a pattern or the past rather than of right now."""
    return bool(_HABITUAL.search(text))


# The person says the danger is over: calm now, the violent person left, help has come. In a
# conversation such a message releases acute danger (components/conversation_triage.py), so
# only plain all-clear phrases count here.
_ALL_CLEAR = re.compile(
    r"\b(?:het is|is het|alles is)\s+(?:nu\s+)?(?:wel\s+)?(?:even\s+|weer\s+)?(?:rustig|veilig)\b"
    r"|\b(?:hij|zij|ze) is\s+(?:nu\s+)?(?:weg|vertrokken|weggegaan|opgepakt|meegenomen)\b"
    # told the other way round: "en toen is mijn zoon weggegaan"
    r"|\bis\s+(?:hij|zij|ze|(?:mijn|mn|m'n|de|haar|zijn)\s+\w+)\s+(?:nu\s+|net\s+)?(?:weggegaan|vertrokken|weggelopen)\b"
    # "ik denk niet dat hij op dit moment in gevaar is"
    r"|\b(?:denk|geloof)\s+(?:ik\s+)?niet\s+dat\s+(?:[^\s.!?]+\s+){1,6}?(?:in\s+)?gevaar\b"
    # taken to the police station: "mijn kleinzoon is mee naar het bureau", "hij is aangehouden"
    r"|\b(?:is|zijn)\s+(?:nu\s+|net\s+)?(?:mee\s+naar\s+het\s+(?:politie)?bureau|aangehouden|gearresteerd)\b"
    # the call told with more words between: "de buurman heeft mij horen roepen en de politie gebeld"
    r"|\b(?:heeft|hebben|heb)\s+(?!niet\b|nog\s+niet\b|geen\b)(?:[^\s.!?]+\s+){1,8}?(?:112|de\s+politie|politie)\s+gebeld\b"
    # "de zoon is net weggegaan": the one who was violent, named ("ze is net weggegaan" may be
    # the mother who protected, leaving: then the danger begins)
    r"|\bde (?:zoon|man|vader|buurman|vriend|broer|ex) is\s+(?:nu\s+|net\s+)?(?:weg|vertrokken|weggegaan|opgepakt)\b"
    # "niemand is in gevaar", "ze is op dit moment niet in gevaar"
    r"|\b(?:is|ben|bent|zijn|zit|zitten)\s+(?:er\s+)?(?:nu\s+|op dit moment\s+|momenteel\s+)?(?:niet|geen)\s+"
    r"(?:direct\s+|acuut\s+)?(?:in\s+)?gevaar\b(?!\s*\?)(?!\s+(?:brengen|komen))|\bnot in danger\b"
    r"|\bik ben\s+(?:nu\s+)?(?:veilig|weg|buiten|gevlucht)\b"
    r"|\b(?:we|wij) (?:zijn|zitten)\s+(?:nu\s+)?(?:veilig\s+)?bij de buren\b"
    r"|\b(?:ik ben|ik zit|zit|ben)\s+(?:nu\s+(?:veilig\s+)?(?:binnen\s+)?|veilig\s+(?:binnen\s+)?)bij (?:de buren|een vriend\w*|(?:mijn|mn|m'n) (?:moeder|vader|ouders|zus|broer|"
    r"vriendin|vriend|oma|opa|tante|oom|buurvrouw|buurman))\b"
    r"|\b(?:ik heb|we hebben|heb)\s+(?:net\s+|al\s+)?(?:112|de politie|politie) gebeld\b"
    # someone else called: "mijn vriendin heeft 112 gebeld", "de buren hebben de politie gebeld"
    r"|\b(?:zij|hij|ze|iemand|buren|(?:mijn|mn|m'n|de) \w+)\s+(?:heeft|hebben)\s+(?:net\s+|al\s+)?"
    r"(?:112|de politie|politie) gebeld\b"
    r"|\b(?:de )?politie (?:is|staat|zijn|staan)\s+(?:nu\s+|al\s+)?(?:er|hier|daar|geweest|gekomen|voor de deur|aan de deur|bij (?:hun|hen|ze|ons|haar|hem|de deur))\b"
    r"|\b(?:the )?police (?:are|is) here\b|\bi called 112\b|\bit'?s (?:calm|quiet|over) now\b"
    # Nothing is happening now, said in so many words ("nu gebeurt er niks", "er speelt op dit
    # moment niks", "op dit moment is het redelijk rustig").
    r"|\b(?:nu|op dit moment|momenteel)\s+(?:is|gebeurt|speelt)\s+er\s+(?:nog\s+)?(?:niks|niets)\b"
    r"|\ber\s+(?:is|gebeurt|speelt|wordt)\s+(?:nu|op dit moment|momenteel)\s+(?:nog\s+)?(?:niks|niets)\b"
    r"|\b(?:nu|op dit moment|momenteel)\s+is\s+het\s+(?:redelijk|wel|gewoon|best)\s+rustig\b"
    r"|\bis er (?:nu |op dit moment )?(?:nog )?(?:niks|niets) aan de hand\b"
    # The other one is at work: "ja ze is aan het werk". (Not the writer at work or at school:
    # "ik zit op mijn werk en mijn dochter belt dat hij haar slaat" is danger elsewhere.)
    r"|\b(?:hij|zij|ze) is\s+(?:nu\s+)?(?:aan het werk|naar (?:zijn|haar|het) werk|op (?:zijn|haar) werk)\b"
    # The other one is not there; broken Dutch and English ("man weg nu", "I am ok").
    r"|\b(?:hij|zij|ze) is\s+(?:nu\s+)?niet (?:thuis|hier)\b"
    r"|\b(?:man|vader|papa|vriend|partner) (?:nu )?weg\b|\bi(?:'m| am) (?:ok|okay|safe)\b"
    r"|\bcalled the police\b"
    # Taken away or gone: "politie heeft hem meegenomen", "hij is weggereden", "de buren hebben
    # hem weggestuurd"; the one afraid of himself has left: "ik ben naar buiten gelopen".
    # (Not "ze hebben haar meegenomen" or "ze is weggelopen": that may be the danger itself.)
    r"|\b(?:politie|agenten|buren)\s+(?:heeft|hebben)\s+(?:hem|haar|de \w+)\s+"
    r"(?:meegenomen|opgepakt|weggestuurd|weggehaald|gearresteerd)\b"
    r"|\bhij is\s+(?:nu\s+|net\s+)?weggereden\b"
    r"|\b(?:ik\s+)?ben\s+(?:naar buiten|de deur uit|het huis uit)\s+(?:gelopen|gegaan)\b"
    # A short answer after the 112 text: "ok gebeld", "heb ze gebeld", "oké ze zijn er".
    r"|^\W*(?:(?:ok|oké|oke|okee|ja|jawel)\W+)?(?:ik\s+)?(?:heb\s+)?(?:ze\s+|hen\s+|112\s+|de politie\s+|politie\s+)?"
    r"(?:al\s+|net\s+)?gebeld[\s.!]*$"
    r"|^\W*(?:(?:ok|oké|oke|okee|ja)\W+)?(?:ze|de politie|politie|de ambulance|ambulance) (?:zijn|is) er(?:\s+nu|\s+al)?[\s.!]*$",
    re.IGNORECASE,
)

# A first message written right after it happened that says it is over for now: the other one
# is elsewhere, the victim is somewhere safe or with someone safe (docs/labeling.md, "Right after
# it happened"). Such a first message is not read as acute on its own; in a conversation these
# phrases alone do not release acute danger (what the person said before may still hold).
_OVER_RIGHT_AFTER = re.compile(
    r"\b(?:hij|zij|ze) is\s+(?:nu\s+|weer\s+)?met (?:hem|haar) weg\b|\b(?:hij|zij|ze) is weer weg\b"
    r"|\b(?:hij|zij|ze) (?:zit|staat|ligt|is)\s+(?:nu\s+|hier\s+|gewoon\s+)*naast (?:me|mij)\b"
    r"|\b(?:hij|zij|ze) (?:zit|is)\s+(?:nu\s+)?(?:op|in) (?:het |de )?(?:caf[eé]|kroeg)\b"
    r"|\b(?:ze|zij) gaat\s+(?:nu\s+)?naar (?:haar|d'r) (?:moeder|vader|ouders|zus|broer|vriendin|oma|opa|tante)\b"
    r"|\b(?:hij|zij|ze) is\s+(?:nu\s+|net\s+|even\s+|op dit moment\s+|momenteel\s+)?(?:naar|op) (?:huis|de kroeg|het caf[eé]|(?:zijn|zn|haar|het) werk|"
    r"de winkel|de supermarkt|de markt|de sportschool|de stad|school|training|voetbal|"
    r"(?:zijn|zn|haar) (?:ouders|moeder|vader|broer|zus|vriend\w*|maten|familie))\b"
    r"|\b(?:hij|zij|ze) is\s+(?:nu\s+|even\s+)?(?:aan het\s+)?boodschappen(?:\s+doen|\s+aan het doen)?\b"
    r"|\b(?:daar|hier) is (?:ze|zij|hij) (?:nu )?veilig\b|\b(?:ze|zij|hij) is (?:nu )?(?:hier |daar )?veilig\b"
    # someone safe is with the victim now: "ze zit nu bij mij", "mijn vrouw is nu bij hem"
    r"|\b(?:hij|zij|ze) (?:zit|ligt|slaapt|is) (?:nu )?(?:hier )?bij (?:mij|ons)\b"
    r"|\b(?:mijn|mn|m'n) (?:vrouw|man|moeder|vader|partner) is (?:nu )?bij (?:hem|haar)\b"
    r"|\bik ben\s+(?:nu\s+)?bij (?:het centrum seksueel geweld|de politie|de huisarts|de huisartsenpost|de opvang)\b"
    r"|\bik ben\s+(?:nu\s+)?(?:weggereden|weggegaan|weggelopen)\b"
    r"|\b(?:hij|zij|ze) slaapt (?:vannacht|vanavond) (?:bij|ergens)\b"
    # the baby laid down in bed, as the advice for a crying baby says
    r"|\b(?:hij|zij|ze) ligt (?:nu )?(?:veilig )?in (?:haar|zijn|z'n|d'r|het|de) (?:bed|bedje|wieg|box)\b"
    # asleep: over for a first message, but in a conversation the other one is still there
    r"|\b(?:hij|zij|ze) slaapt\b(?!\s+niet)"
    r"|\b(?:ze|zij) zijn\s+(?:nu\s+)?(?:weggereden|weggelopen|vertrokken)\b"
    r"|\bdat (?:hij|zij|ze) weg is\b|\bhet lijkt\s+(?:nu\s+)?(?:weer\s+)?rustig\b"
    r"|\b(?:hij|zij|ze) weet niet waar ik ben\b"
    r"|\bben\s+(?:net\s+)?(?:weg bij (?:hem|haar)|(?:het huis uit )?gevlucht|weggelopen)\b",
    re.IGNORECASE,
)


# ... but not when the danger is coming back ("hij is weg, maar hij komt zo terug") or someone
# is hurt ("hij is weg, ik bloed"): then help is still needed now.
_NOT_OVER = re.compile(
    r"\b(?:komt|kom|komen)\s+(?:zo\s+|straks\s+|vast\s+|weer\s+|nog\s+)*(?:terug|eraan)\b"
    r"|\bonderweg\b|\bcoming back\b"
    r"|\bterugkomt\b|\bvoor de deur\b|\bopgesloten\b|\bluik\b|\bkan (?:er )?niet (?:uit|weg)\b"
    r"|\bligt (?:nu )?(?:nog )?(?:in|op)\b(?!\s+(?:haar|zijn|z'n|d'r|het|mijn|mn)?\s*(?:bed|bedje|wieg|box)\b)|\bbeweegt nie|\bkreun|\bover de rand\b"
    r"|\bvoel (?:de|mijn|het) (?:baby|kindje)\b"
    r"|\bsta(?:at|an)\b(?:\s+\w+){0,3}\s+(?:buiten|beneden|voor de deur|in de straat|bij de ingang|"
    r"(?:bij|aan|voor) (?:het|de) (?:hek|poort|school|ingang)|in de wachtkamer)\b"
    r"|\b(?:doodmaakt|dood te maken|vermoorden|vermoordt|niet levend|niet overleeft)\b"
    r"|\b(?:aan het|staat te|staan te) (?:bonken|roepen|schreeuwen)\b|\b(?:bonkt|bonken) op\b"
    # locked in by someone who then left: "toen heeft hij ... de deur op slot gedaan, ... daarna is
    # hij weggegaan" (not "we hebben de deur op slot gedaan": locked for safety)
    r"|\b(?:(?:hij|zij|ze)\s+(?:heeft|hebben)|(?:heeft|hebben)\s+(?:hij|zij|ze))\b[^.!?]{0,100}\bop slot\b"
    r"|\bzit (?:hier |ik )?nog steeds\b"
    r"|\bbadkamer\b|\bverstopt\b|\bbloedend\w*|\bkom(?:t|en)\b(?:\s+\w+){0,5}\s+(?:halen|ophalen)\b"
    r"|\bvoor (?:mijn|m'n|mn|ons|onze|haar|zijn|het|de) (?:huis|deur|raam|flat|woning)\b|\b(?:elk|ieder) moment\b"
    r"|\bkan niet (?:meer )?(?:opstaan|overeind)\b|\blig (?:hier |nu |al |sinds )"
    r"|\bhoor (?:haar|hem|iemand|ze) (?:nu )?(?:gillen|schreeuwen|huilen|roepen)\b|\bzie (?:hem|haar|ze) nu\b"
    r"|\bzoek(?:t|en)\b(?:\s+\w+){0,5}\s+(?:me|mij|ons|haar|hem)\b|\bzoek(?:t|en)? (?:me|mij|ons|haar|hem)\b|\bom (?:me|mij|ons) te zoeken\b|\b(?:volgt|volgen) (?:me|mij|ons)\b"
    r"|\b(?:bloed|bloedt|bloeden|gewond|bewusteloos|ademt|reageert niet|ziekenhuis|ambulance|"
    r"pijn|verkracht|flauw|bleeding|hurt|injured|knife|gun)\b(?<!niemand is gewond)"
    # ("papa heeft het mes afgepakt": the weapon is taken away)
    r"|\b(?:mes|pistool|wapen)\b(?!\s+(?:afgepakt|afgenomen|weggepakt|weggenomen|weggelegd|ingeleverd)\b)",
    re.IGNORECASE,
)


# Help that has come or is coming: "de politie staat nu voor de deur" is not the violent one
# at the door, "de politie is onderweg" not the violent one on the way.
_HELP_AT_HAND = re.compile(
    r"\b(?:de )?(?:politie|ambulance|hulp)\s+(?:is|staat|zijn|staan|komt|komen)\s+(?:nu\s+|al\s+|net\s+)?"
    r"(?:onderweg|eraan|er|hier|daar|bij (?:hun|hen|ze|ons|haar|hem|mij|me))?\s*(?:voor|aan) de deur\b"
    r"|\b(?:de )?(?:politie|ambulance|hulp)\s+(?:is|zijn|komt|komen)\s+(?:nu\s+|al\s+)?(?:onderweg|eraan)\b",
    re.IGNORECASE)


# "ik heb 112 gebeld, ze komen eraan": the ones coming are the police, not the violent one.
_CALLED_THEY_COME = re.compile(
    r"(\bgebeld\b)[\s,.;!-]+(?:en\s+)?(?:ze|die|zij)\s+(?:komen|zijn)\s+(?:nu\s+|al\s+|zo\s+|snel\s+)*"
    r"(?:eraan|onderweg|er\s+aan)\b",
    re.IGNORECASE)


def _without_help(text: str) -> str:
    """The message without the help that has come or is coming."""
    return _HELP_AT_HAND.sub(" ", _CALLED_THEY_COME.sub(r"\1", text))


def _not_over(text: str) -> bool:
    return bool(_NOT_OVER.search(_without_help(text)))


def signals_all_clear(text: str) -> bool:
    """True when the message says plainly that the danger has passed ("het is nu rustig", "hij
    is weg", "ik heb 112 gebeld"): in a conversation this releases acute danger."""
    return bool(_ALL_CLEAR.search(text)) and not _not_over(text)


# "ze zijn weggereden": they drove off together, and whoever was in danger may have gone with
# them. ("ze zijn weg, hij is naar de supermarkt" is the other ones gone: an all-clear.)
_DROVE_OFF_TOGETHER = re.compile(r"\b(?:ze|zij)\s+zijn\s+(?:nu\s+|net\s+|samen\s+)*weggereden\b",
                                 re.IGNORECASE)


def signals_taken_along(text: str) -> bool:
    """True when the message says they drove off together, without a plain all-clear or a call
    for help: in a conversation that is no release of the danger ("Ze zijn weggereden, ik heb
    het kenteken"); "mijn vriend heeft gebeld. ze zijn weggereden" is the threat gone."""
    return (bool(_DROVE_OFF_TOGETHER.search(text)) and not signals_all_clear(text)
            and not _CALLED.search(text))


_CALLED = re.compile(r"\b(?:heeft|hebben|heb)\s+(?:\w+\s+){0,3}?gebeld\b", re.IGNORECASE)


def signals_danger_over(text: str) -> bool:
    """True when a first message says the danger has passed, plainly or as told right after it
    happened ("ze zit nu bij mij", "hij is naar de kroeg"): such a message is not acute unless
    it also has a plain now-signal."""
    return bool(_ALL_CLEAR.search(text) or _OVER_RIGHT_AFTER.search(text)) and not _not_over(text)


# A sentence that speaks of now or of this evening. A long message often tells a history first
# and the danger of tonight last; the classifier, reading the whole text, hears mostly the
# history. Such sentences are scored on their own as well (bot/triage.py).
_NOW_MARKER = re.compile(
    r"\b(?:nu|net|zojuist|zonet|op dit moment|vanavond|vannacht|vandaag|vanmiddag|straks|"
    r"zo meteen|zometeen|over (?:een|twee|tien|vijf|\d+) (?:minuten|minuutjes|kwartier|uur)|terwijl|"
    r"(?:staat|staan|zit|zitten|ligt|liggen) (?:nu |nog )?(?:te|aan het) \w+en|"
    r"sinds vanmiddag|sinds vanochtend|sinds vanavond|now|tonight|today)\b",
    re.IGNORECASE,
)
# A sentence about now is left out when it speaks of a pattern ("elke avond", "vaak"). Words
# for a past moment ("gisteren", "vannacht") are not enough on their own: "gisteren zei hij dat
# hij hem vandaag doodmaakt" and "hij zei dat ik vannacht niet levend weggaat" are about now.
_PATTERN = re.compile(
    r"\b(?:elke|iedere) (?:dag|avond|nacht|week|ochtend|keer)\b|\b(?:vaak|regelmatig|altijd|"
    r"soms|al (?:jaren|maanden|weken)|often|always|every (?:day|night|evening))\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Shorter sentences ("Ze is nu 6.", "Wat moet ik nu doen?") say too little to judge alone.
NOW_SENTENCE_MIN_WORDS = 8


def now_sentences(text: str) -> list:
    """The sentences of a message of several sentences that are about now (or the next minutes
    and hours), long enough to be judged alone, and neither a pattern nor saying the danger is
    over."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) < 2:
        return []
    return [s for s in sentences
            if len(s.split()) >= NOW_SENTENCE_MIN_WORDS and _NOW_MARKER.search(s)
            and not _PATTERN.search(s) and not signals_danger_over(s)]
