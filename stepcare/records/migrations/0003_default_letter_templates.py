"""The letters most services send, as templates a service can change or add to in the admin."""

from django.db import migrations

# Frozen: the rows as they were when this migration was written. A later change to
# stepcare.records.defaults must not change what this migration inserts.
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


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    LetterTemplate = apps.get_model("records", "LetterTemplate")
    for name, purpose, recipient, subject, body in LETTER_TEMPLATES:
        LetterTemplate.objects.get_or_create(
            name=name,
            defaults={"purpose": purpose, "recipient_kind": recipient, "subject": subject, "body": body},
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0002_signed_documents_immutable_triggers")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
