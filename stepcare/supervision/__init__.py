"""Clinical supervision, MDT meetings, CPD and accreditation, and trainee countersignature."""
