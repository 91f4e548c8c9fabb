"""Service reporting: the national NHS Talking Therapies KPIs (DOMAIN.md §2-3) counted in the
database from the referrals' derived fields, for the ``stepcare kpis`` command and the API."""
