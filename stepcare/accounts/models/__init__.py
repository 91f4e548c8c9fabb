from stepcare.accounts.models.organisation import Organisation, Room, Service, Site, Team
from stepcare.accounts.models.staff import Membership, User

__all__ = ["Membership", "Organisation", "Room", "Service", "Site", "Team", "User"]
