"""Signed formulations and treatment plans are immutable in the database too; the formulation
models most services use, as data a service can change or add to in the admin."""

from django.db import migrations


# Frozen: the rows as they were when this migration was written. A later change to
# stepcare.records.defaults must not change what this migration inserts.
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

# Frozen: the statements stepcare.records.triggers produced when this migration was written
# (PostgreSQL and SQLite; other databases get none).
CREATE_SQL = {
    "postgresql": [
        "\n"
        "CREATE OR REPLACE FUNCTION stepcare_records_refuse_change() RETURNS trigger AS "
        "$$\n"
        "BEGIN\n"
        "    RAISE EXCEPTION 'signed clinical documents cannot be changed: add an addendum "
        "(% on %)', TG_OP, TG_TABLE_NAME;\n"
        "END;\n"
        "$$ LANGUAGE plpgsql;\n",
        "CREATE TRIGGER records_formulation_signed_immutable BEFORE UPDATE ON "
        "records_formulation FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_treatmentplan_signed_immutable BEFORE UPDATE ON "
        "records_treatmentplan FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
    ],
    "sqlite": [
        "CREATE TRIGGER records_formulation_signed_immutable BEFORE UPDATE ON "
        "records_formulation FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, "
        "'signed clinical documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_treatmentplan_signed_immutable BEFORE UPDATE ON "
        "records_treatmentplan FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT "
        "RAISE(ABORT, 'signed clinical documents cannot be changed: add an addendum'); END;",
    ],
}
DROP_SQL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS records_formulation_signed_immutable ON records_formulation;",
        "DROP TRIGGER IF EXISTS records_treatmentplan_signed_immutable ON records_treatmentplan;",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS records_formulation_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_treatmentplan_signed_immutable;",
    ],
}


def add_templates(apps, schema_editor):  # type: ignore[no-untyped-def]
    FormulationTemplate = apps.get_model("records", "FormulationTemplate")
    for name, approach, description, source, sections in FORMULATION_TEMPLATES:
        FormulationTemplate.objects.get_or_create(
            name=name,
            defaults={
                "approach": approach,
                "description": description,
                "source": source,
                "sections": sections,
            },
        )


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in CREATE_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in DROP_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("records", "0004_formulations_and_treatment_plans")]
    operations = [
        migrations.RunPython(install, remove),
        migrations.RunPython(add_templates, migrations.RunPython.noop),
    ]
