"""The letter templates and formulation models Stepcare ships, as data.

Loaded by the demo (migrations 0003 and 0005 insert a frozen copy); a service changes them or
adds its own in the admin.
"""

from __future__ import annotations

from typing import Any

LETTER_TEMPLATES = [
    (
        "GP letter after assessment",
        "gp_assessment",
        "gp",
        "Assessment: {patient_name}, NHS number {nhs_number}",
        "Dear colleague,\n\n"
        "I assessed {patient_first_name} on {assessment_date} following the referral received on "
        "{referral_received}.\n\n"
        "Provisional problem descriptor: {problem_descriptor}.\n\n"
        "Plan: {plan}\n\n"
        "Please contact me if you have any questions.",
    ),
    (
        "GP letter at discharge",
        "gp_discharge",
        "gp",
        "Discharge: {patient_name}, NHS number {nhs_number}",
        "Dear colleague,\n\n"
        "{patient_first_name} has now finished treatment with our service.\n\n"
        "Provisional problem descriptor: {problem_descriptor}.\n\n"
        "Summary and recommendations: {plan}\n\n"
        "{patient_first_name} is welcome to refer themselves again if they need to.",
    ),
    (
        "GP letter about risk",
        "gp_risk",
        "gp",
        "Risk update: {patient_name}, NHS number {nhs_number}",
        "Dear colleague,\n\n"
        "I am writing to let you know about changes in {patient_first_name}'s risk, discussed with "
        "them on {today}.\n\n"
        "My current understanding: {risk_summary}\n\n"
        "Actions agreed: {risk_actions}\n\n"
        "A safety plan has been written with {patient_first_name}.",
    ),
    (
        "Letter to the patient",
        "patient",
        "patient",
        "Your care with {service_name}",
        "Dear {patient_first_name},\n\n"
        "Thank you for meeting with me. As we agreed, the plan is: {plan}\n\n"
        "If you feel unable to keep yourself safe, call NHS 111 and choose option 2, or Samaritans on "
        "116 123, at any time.",
    ),
    (
        "Letter to an agency or employer",
        "agency",
        "agency",
        "{patient_name}, date of birth {date_of_birth}",
        "Dear colleague,\n\n"
        "With {patient_first_name}'s agreement, I am writing about the support they are receiving "
        "from {service_name}.\n\n",
    ),
]


def _s(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"key": k, "label": label, "help": help_text} for k, label, help_text in pairs]


FORMULATION_TEMPLATES = [
    (
        "Five areas (generic CBT)",
        "CBT",
        "How a situation, thoughts, emotions, body and behaviour keep each other going.",
        "Williams and Garland (2002), the five areas approach",
        _s(
            ("situation", "Situation, relationships and practical problems", "What was happening, with whom"),
            ("thoughts", "Altered thinking", "What went through your mind"),
            ("emotions", "Altered emotions", "What you felt, how strongly (0-100)"),
            ("physical", "Altered physical feelings", "What you noticed in your body"),
            ("behaviour", "Altered behaviour", "What you did, or stopped doing"),
        ),
    ),
    (
        "Longitudinal formulation (Beck)",
        "CBT",
        "How early experience shaped beliefs and rules that a critical incident activated.",
        "Beck (1995), Cognitive Therapy: Basics and Beyond",
        _s(
            ("early", "Early experiences", ""),
            ("core_beliefs", "Core beliefs", "About self, others, the world"),
            ("assumptions", "Rules for living and assumptions", "If ... then ..."),
            ("incident", "Critical incident(s)", "What activated the beliefs"),
            ("nats", "Negative automatic thoughts", ""),
            ("maintenance", "Maintenance cycle", "Emotions, body, behaviour that keep it going"),
        ),
    ),
    (
        "Panic disorder (Clark)",
        "CBT",
        "The vicious circle of catastrophic misinterpretation of body sensations.",
        "Clark (1986)",
        _s(
            ("trigger", "Trigger (internal or external)", ""),
            ("threat", "Perceived threat", ""),
            ("apprehension", "Apprehension", ""),
            ("sensations", "Body sensations", ""),
            ("interpretation", "Catastrophic interpretation", "e.g. 'I'm having a heart attack'"),
            ("safety", "Safety-seeking behaviours and avoidance", ""),
        ),
    ),
    (
        "Social anxiety (Clark and Wells)",
        "CBT",
        "Self-focused attention, the observer perspective and safety behaviours.",
        "Clark and Wells (1995)",
        _s(
            ("situation", "Social situation", ""),
            ("assumptions", "Activated assumptions", ""),
            ("danger", "Perceived social danger (predictions)", ""),
            (
                "self",
                "Processing of self as a social object",
                "The image or felt sense of how you come across",
            ),
            ("safety", "Safety behaviours", ""),
            ("symptoms", "Somatic and cognitive symptoms", ""),
            ("processing", "Before and after processing", "Anticipatory worry, post-mortem"),
        ),
    ),
    (
        "PTSD (Ehlers and Clark)",
        "CBT",
        "A sense of current threat from appraisals and the nature of the trauma memory.",
        "Ehlers and Clark (2000)",
        _s(
            ("trauma", "The trauma and its hotspots", ""),
            ("appraisals", "Negative appraisals of the trauma and its consequences", ""),
            ("memory", "Nature of the trauma memory and triggers", ""),
            ("threat", "Sense of current threat", ""),
            (
                "strategies",
                "Strategies that keep it going",
                "Suppression, avoidance, rumination, safety behaviours",
            ),
        ),
    ),
    (
        "OCD (Salkovskis)",
        "CBT",
        "Intrusions appraised as meaning responsibility for harm.",
        "Salkovskis (1985, 1999)",
        _s(
            ("intrusion", "Intrusion", ""),
            ("appraisal", "Appraisal of responsibility", ""),
            ("distress", "Distress", ""),
            ("neutralising", "Compulsions, neutralising and avoidance", ""),
            ("attention", "Selective attention and counterproductive safety-seeking", ""),
        ),
    ),
    (
        "IPT focal area",
        "IPT",
        "The interpersonal focus of the work, linked to the onset of depression.",
        "Weissman, Markowitz and Klerman (2000); the IAPT IPT curriculum",
        _s(
            ("inventory", "Interpersonal inventory", "Key relationships and what has changed"),
            ("focus", "Focal area", "Grief, role dispute, role transition or interpersonal sensitivity"),
            ("link", "Link between the focal area and the depression", ""),
            ("goals", "Goals for the focal area", ""),
        ),
    ),
    (
        "DIT interpersonal affective focus (IPAC)",
        "DIT",
        "The recurring pattern of self and other, its affect and its defensive function.",
        "Lemma, Target and Fonagy (2011)",
        _s(
            ("self", "Self representation", ""),
            ("other", "Other representation", ""),
            ("affect", "Affect linking them", ""),
            ("defence", "Defensive function", "What the pattern protects against"),
        ),
    ),
]


# How each shipped formulation's diagram is drawn (the others are a cycle).
FORMULATION_DIAGRAMS = {
    "Longitudinal formulation (Beck)": "flow",
    "IPT focal area": "none",
    "DIT interpersonal affective focus (IPAC)": "none",
}


def ensure_defaults(letter_template: Any, formulation_template: Any) -> None:
    """Add any shipped template that is missing (by name); never changes a service's edits."""
    for name, purpose, recipient, subject, body in LETTER_TEMPLATES:
        letter_template.objects.get_or_create(
            name=name,
            defaults={"purpose": purpose, "recipient_kind": recipient, "subject": subject, "body": body},
        )
    for name, approach, description, source, sections in FORMULATION_TEMPLATES:
        formulation_template.objects.get_or_create(
            name=name,
            defaults={
                "approach": approach,
                "description": description,
                "source": source,
                "sections": sections,
                "diagram": FORMULATION_DIAGRAMS.get(name, "cycle"),
            },
        )
