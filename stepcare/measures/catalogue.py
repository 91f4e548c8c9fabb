"""The built-in measure definitions (`DEFAULT_REGISTRY`).

Values come from `shared/DOMAIN.md` §1. PHQ-9 and GAD-7 caseness and reliable change are the
national NHS Talking Therapies rules and are fixed. Every other threshold is configuration: its
`source` says where it came from (most are marked UNVERIFIED in DOMAIN.md and must be checked
against the NHS Talking Therapies Manual ADSM appendix) and a service may override it.

Item wording is shipped only for instruments that are free to reproduce (PHQ-9, GAD-7, WSAS,
IAPT Phobia Scales, PCL-5). It is written here from the published public-domain instruments;
check it against the official forms before showing it to patients. The other measures ship
with neutral labels ("Item 1" ...) and a service loads its licensed text with
`stepcare.measures.wording.load_wording`.
"""

from __future__ import annotations

from stepcare.measures.model import (
    Band,
    CasenessBasis,
    Comparator,
    Cutoff,
    Item,
    Licence,
    Measure,
    Registry,
    ReliableChange,
    ResponseOption,
    Scoring,
    SeverityBands,
)

NATIONAL_RULE = "NHS Talking Therapies national outcome rule (DOMAIN.md §1a)"
ADSM_UNVERIFIED = "DOMAIN.md §1b, UNVERIFIED: check against the NHS Talking Therapies Manual ADSM appendix"
CODES_NOT_CHECKED = (
    "no SNOMED CT or LOINC code recorded yet: check against the NHS Talking Therapies technical "
    "output specification and set it in the service configuration (measures.<code>.codes)"
)
SHIPPED_WORDING = "Stepcare, written from the public-domain instrument; check against the official form"


def _items(texts: tuple[str, ...]) -> tuple[Item, ...]:
    """Items numbered from 1 with keys item1, item2 ... and the given wording."""
    return tuple(
        Item(number=n, key=f"item{n}", label=f"Item {n}", text=text) for n, text in enumerate(texts, start=1)
    )


def _neutral_items(count: int) -> tuple[Item, ...]:
    """Items with neutral labels only, for instruments whose wording is under copyright."""
    return tuple(Item(number=n, key=f"item{n}", label=f"Item {n}") for n in range(1, count + 1))


def _adsm_cutoff(value: float, comparator: Comparator = Comparator.AT_LEAST) -> Cutoff:
    return Cutoff(value, comparator, CasenessBasis.TOTAL, ADSM_UNVERIFIED, national=False)


def _adsm_rci(value: float) -> ReliableChange:
    return ReliableChange(value, ADSM_UNVERIFIED, national=False)


PHQ9_OPTIONS = (
    ResponseOption(0, "Not at all"),
    ResponseOption(1, "Several days"),
    ResponseOption(2, "More than half the days"),
    ResponseOption(3, "Nearly every day"),
)

PHQ9 = Measure(
    code="PHQ-9",
    name="Patient Health Questionnaire (depression)",
    aliases=("PHQ9",),
    items=(
        *_items(
            (
                "Little interest or pleasure in doing things",
                "Feeling down, depressed, or hopeless",
                "Trouble falling or staying asleep, or sleeping too much",
                "Feeling tired or having little energy",
                "Poor appetite or overeating",
                "Feeling bad about yourself, or that you are a failure or have let yourself "
                "or your family down",
                "Trouble concentrating on things, such as reading the newspaper or watching television",
                "Moving or speaking so slowly that other people could have noticed; or the "
                "opposite, being so fidgety or restless that you have been moving around a "
                "lot more than usual",
            )
        ),
        Item(
            number=9,
            key="item9",
            label="Item 9",
            text="Thoughts that you would be better off dead, or of hurting yourself in some way",
            flag="item9",
        ),
    ),
    item_min=0,
    item_max=3,
    scoring=Scoring.SUM,
    severity=SeverityBands(
        (
            Band("minimal", 0, 4),
            Band("mild", 5, 9),
            Band("moderate", 10, 14),
            Band("moderately severe", 15, 19),
            Band("severe", 20, 27),
        ),
        source="Kroenke, Spitzer & Williams 2001, as used by NHS Talking Therapies (DOMAIN.md §1a)",
        national=True,
    ),
    caseness=Cutoff(10, Comparator.AT_LEAST, CasenessBasis.TOTAL, NATIONAL_RULE, national=True),
    reliable_change=ReliableChange(6, NATIONAL_RULE, national=True),
    snomed_code="720433000",
    loinc_code="44261-6",
    codes_source=(
        "SNOMED CT 720433000 |Patient health questionnaire 9 item score (observable entity)|, "
        "UNVERIFIED against the NHS Talking Therapies technical output specification (DOMAIN.md §4); "
        "LOINC 44261-6 |PHQ-9 total score [Reported]| (loinc.org, DOMAIN.md §4)"
    ),
    licence=Licence(
        wording_free=True,
        holder="Pfizer Inc. (Spitzer, Williams, Kroenke)",
        note="No permission required to reproduce, translate, display or distribute.",
    ),
    response_options=PHQ9_OPTIONS,
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    wording_source=SHIPPED_WORDING,
    notes=(
        "Item 9 above 0 raises the flag 'item9': a prompt for the clinician to ask about "
        "thoughts of self-harm in session. It is not a risk score and does not change the total "
        "(practice, not a national rule: DOMAIN.md §1a)."
    ),
)

GAD7 = Measure(
    code="GAD-7",
    name="Generalised Anxiety Disorder scale",
    aliases=("GAD7",),
    items=_items(
        (
            "Feeling nervous, anxious or on edge",
            "Not being able to stop or control worrying",
            "Worrying too much about different things",
            "Trouble relaxing",
            "Being so restless that it is hard to sit still",
            "Becoming easily annoyed or irritable",
            "Feeling afraid as if something awful might happen",
        )
    ),
    item_min=0,
    item_max=3,
    scoring=Scoring.SUM,
    severity=SeverityBands(
        (
            Band("minimal", 0, 4),
            Band("mild", 5, 9),
            Band("moderate", 10, 14),
            Band("severe", 15, 21),
        ),
        source="Spitzer et al. 2006, as used by NHS Talking Therapies (DOMAIN.md §1a)",
        national=True,
    ),
    caseness=Cutoff(8, Comparator.AT_LEAST, CasenessBasis.TOTAL, NATIONAL_RULE, national=True),
    reliable_change=ReliableChange(4, NATIONAL_RULE, national=True),
    snomed_code="445455005",
    loinc_code="70274-6",
    codes_source=(
        "SNOMED CT 445455005 |Generalized anxiety disorder 7 item score (observable entity)|, "
        "UNVERIFIED against the NHS Talking Therapies technical output specification (DOMAIN.md §4); "
        "LOINC 70274-6 |GAD-7 total score [Reported.PHQ]| (loinc.org, DOMAIN.md §4)"
    ),
    licence=Licence(
        wording_free=True,
        holder="Pfizer Inc. (Spitzer, Kroenke, Williams, Löwe)",
        note="No permission required to reproduce, translate, display or distribute.",
    ),
    response_options=PHQ9_OPTIONS,
    instructions=("Over the last 2 weeks, how often have you been bothered by the following problems?"),
    wording_source=SHIPPED_WORDING,
)

WSAS = Measure(
    code="WSAS",
    name="Work and Social Adjustment Scale",
    items=(
        Item(
            number=1,
            key="work",
            label="Work",
            text="Because of my problem my ability to work is impaired. (Not applicable if you "
            "are retired or choose not to have a job for reasons unrelated to your problem.)",
            allows_not_applicable=True,
        ),
        Item(
            number=2,
            key="home_management",
            label="Home management",
            text="Because of my problem my home management (cleaning, tidying, shopping, "
            "cooking, looking after home or children, paying bills) is impaired.",
        ),
        Item(
            number=3,
            key="social_leisure",
            label="Social leisure activities",
            text="Because of my problem my social leisure activities (with other people, e.g. "
            "parties, bars, clubs, outings, visits, dating, home entertaining) are impaired.",
        ),
        Item(
            number=4,
            key="private_leisure",
            label="Private leisure activities",
            text="Because of my problem my private leisure activities (done alone, such as "
            "reading, gardening, collecting, sewing, walking alone) are impaired.",
        ),
        Item(
            number=5,
            key="relationships",
            label="Close relationships",
            text="Because of my problem my ability to form and maintain close relationships "
            "with others, including those I live with, is impaired.",
        ),
    ),
    item_min=0,
    item_max=8,
    scoring=Scoring.SUM,
    severity=SeverityBands(
        (
            Band("subclinical", 0, 9),
            Band("significant impairment", 10, 20),
            Band("moderately severe or worse", 21, 40),
        ),
        source="Mundt et al. 2002 (DOMAIN.md §1a, UNVERIFIED)",
        national=False,
    ),
    caseness=None,
    reliable_change=None,
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(
        wording_free=True,
        holder="Mundt, Marks, Shear & Greist 2002",
        note="Free to use; distributed with the NHS Talking Therapies minimum data set.",
    ),
    response_options=(
        ResponseOption(0, "Not at all"),
        ResponseOption(2, "Slightly"),
        ResponseOption(4, "Definitely"),
        ResponseOption(6, "Markedly"),
        ResponseOption(8, "Very severely"),
    ),
    instructions=(
        "People's problems sometimes affect their ability to do certain day-to-day tasks in "
        "their lives. Rate on the scale how much your problem impairs your ability to carry "
        "out each activity."
    ),
    wording_source=SHIPPED_WORDING,
    notes=(
        "Item 1 (work) may be 'not applicable' when the person is not in work; this is stored "
        "apart from 0 and the total is also given without item 1. Not used for caseness or "
        "recovery; no reliable-change value is used for the national KPIs."
    ),
)

PHOBIA = Measure(
    code="PHOBIA",
    name="IAPT Phobia Scales",
    aliases=("PHOBIA SCALES", "IAPT PHOBIA SCALES", "IAPT PHOBIA"),
    items=(
        Item(
            number=1,
            key="social",
            label="Social phobia",
            text="Social situations due to a fear of being embarrassed or making a fool of myself",
        ),
        Item(
            number=2,
            key="agoraphobia",
            label="Agoraphobia",
            text="Certain situations because of a fear of having a panic attack or other "
            "distressing symptoms (such as loss of bladder control, vomiting or dizziness)",
        ),
        Item(
            number=3,
            key="specific",
            label="Specific phobia",
            text="Certain situations because of a fear of particular objects or activities "
            "(such as animals, heights, seeing blood, being in confined spaces, driving or "
            "flying)",
        ),
    ),
    item_min=0,
    item_max=8,
    scoring=Scoring.SUM,
    severity=None,
    caseness=Cutoff(
        4,
        Comparator.AT_LEAST,
        CasenessBasis.ANY_ITEM,
        "IAPT Data Handbook 2011, via the GoodMed outcomes toolkit (DOMAIN.md §1a); "
        "check against the current NHS Talking Therapies Manual",
        national=False,
    ),
    reliable_change=None,
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(
        wording_free=True,
        holder="IAPT national programme",
        note="Published for use by NHS Talking Therapies services.",
    ),
    response_options=(
        ResponseOption(0, "Would not avoid it"),
        ResponseOption(2, "Slightly avoid it"),
        ResponseOption(4, "Definitely avoid it"),
        ResponseOption(6, "Markedly avoid it"),
        ResponseOption(8, "Always avoid it"),
    ),
    instructions=(
        "Choose a number from the scale to show how much you would avoid each of the "
        "situations or things listed."
    ),
    wording_source=SHIPPED_WORDING,
    notes="Each scale is read on its own: an answer of 4 or more on any item suggests caseness. "
    "The total is the sum of the three items and has no bands.",
)

SPIN = Measure(
    code="SPIN",
    name="Social Phobia Inventory",
    items=_neutral_items(17),
    item_min=0,
    item_max=4,
    scoring=Scoring.SUM,
    severity=None,
    caseness=_adsm_cutoff(19),
    reliable_change=_adsm_rci(10),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(False, "Connor, Davidson et al. 2000", "Load licensed wording locally."),
    adsm_for=("F40.1",),
)

PDSS = Measure(
    code="PDSS",
    name="Panic Disorder Severity Scale",
    items=_neutral_items(7),
    item_min=0,
    item_max=4,
    scoring=Scoring.SUM,
    severity=None,
    caseness=_adsm_cutoff(8),
    reliable_change=_adsm_rci(5),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(False, "Shear et al. 1997", "Load licensed wording locally."),
    adsm_for=("F41.0",),
)

MI = Measure(
    code="MI",
    name="Mobility Inventory for Agoraphobia (when alone)",
    aliases=("MI ALONE", "MOBILITY INVENTORY"),
    items=_neutral_items(27),
    item_min=1,
    item_max=5,
    scoring=Scoring.MEAN,
    severity=None,
    caseness=_adsm_cutoff(2.3, Comparator.ABOVE),
    reliable_change=_adsm_rci(0.73),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(False, "Chambless et al. 1985", "Load licensed wording locally."),
    adsm_for=("F40.0",),
    notes="Scored as the mean of the 27 'when alone' items; caseness is a mean above 2.3.",
)

OCIR = Measure(
    code="OCI-R",
    name="Obsessive-Compulsive Inventory, revised",
    aliases=("OCIR",),
    items=_neutral_items(18),
    item_min=0,
    item_max=4,
    scoring=Scoring.SUM,
    severity=None,
    caseness=_adsm_cutoff(21),
    reliable_change=_adsm_rci(14),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(False, "Foa et al. 2002", "Load licensed wording locally."),
    adsm_for=("F42",),
)

PCL5 = Measure(
    code="PCL-5",
    name="PTSD Checklist for DSM-5",
    aliases=("PCL5",),
    items=_items(
        (
            "Repeated, disturbing, and unwanted memories of the stressful experience",
            "Repeated, disturbing dreams of the stressful experience",
            "Suddenly feeling or acting as if the stressful experience were actually happening "
            "again (as if you were actually back there reliving it)",
            "Feeling very upset when something reminded you of the stressful experience",
            "Having strong physical reactions when something reminded you of the stressful "
            "experience (for example, heart pounding, trouble breathing, sweating)",
            "Avoiding memories, thoughts, or feelings related to the stressful experience",
            "Avoiding external reminders of the stressful experience (for example, people, "
            "places, conversations, activities, objects, or situations)",
            "Trouble remembering important parts of the stressful experience",
            "Having strong negative beliefs about yourself, other people, or the world (for "
            "example, having thoughts such as: I am bad, there is something seriously wrong "
            "with me, no one can be trusted, the world is completely dangerous)",
            "Blaming yourself or someone else for the stressful experience or what happened after it",
            "Having strong negative feelings such as fear, horror, anger, guilt, or shame",
            "Loss of interest in activities that you used to enjoy",
            "Feeling distant or cut off from other people",
            "Trouble experiencing positive feelings (for example, being unable to feel "
            "happiness or have loving feelings for people close to you)",
            "Irritable behaviour, angry outbursts, or acting aggressively",
            "Taking too many risks or doing things that could cause you harm",
            "Being 'superalert' or watchful or on guard",
            "Feeling jumpy or easily startled",
            "Having difficulty concentrating",
            "Trouble falling or staying asleep",
        )
    ),
    item_min=0,
    item_max=4,
    scoring=Scoring.SUM,
    severity=None,
    caseness=_adsm_cutoff(32),
    reliable_change=_adsm_rci(10),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(
        True,
        "US National Center for PTSD (Weathers et al. 2013)",
        "Public domain; free to reproduce.",
    ),
    response_options=(
        ResponseOption(0, "Not at all"),
        ResponseOption(1, "A little bit"),
        ResponseOption(2, "Moderately"),
        ResponseOption(3, "Quite a bit"),
        ResponseOption(4, "Extremely"),
    ),
    instructions=(
        "Below is a list of problems that people sometimes have in response to a very "
        "stressful experience. In the past month, how much were you bothered by:"
    ),
    wording_source=SHIPPED_WORDING,
    adsm_for=("F43.1",),
)

IESR = Measure(
    code="IES-R",
    name="Impact of Event Scale, revised",
    aliases=("IESR",),
    items=_neutral_items(22),
    item_min=0,
    item_max=4,
    scoring=Scoring.SUM,
    severity=None,
    caseness=_adsm_cutoff(33),
    reliable_change=_adsm_rci(9),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(False, "Weiss & Marmar 1997", "Load licensed wording locally."),
    adsm_for=("F43.1",),
    notes="Older PTSD measure; PCL-5 is preferred when both have first and last scores.",
)

HAI = Measure(
    code="HAI",
    name="Health Anxiety Inventory (short, 18 items)",
    aliases=("SHAI", "HAI-18", "HAI18"),
    items=_neutral_items(18),
    item_min=0,
    item_max=3,
    scoring=Scoring.SUM,
    severity=None,
    caseness=_adsm_cutoff(18),
    reliable_change=_adsm_rci(4),
    snomed_code=None,
    codes_source=CODES_NOT_CHECKED,
    licence=Licence(False, "Salkovskis et al. 2002", "Load licensed wording locally."),
    adsm_for=("F45.2",),
    notes="14 core items and 4 'negative consequences' items, all in the total.",
)

DEFAULT_REGISTRY = Registry((PHQ9, GAD7, WSAS, PHOBIA, SPIN, PDSS, MI, OCIR, PCL5, IESR, HAI))
"""The measures Stepcare ships with, before any service configuration."""
