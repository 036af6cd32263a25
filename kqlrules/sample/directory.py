"""Who and what lives in the sample tenant "contoso": people, their devices, places, apps and Azure estate.

Names and places are fixed (stories refer to people by name); identifiers come from the seeded generator,
so one seed always gives one tenant.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

DOMAIN = "contoso.com"


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    country: str
    latitude: float
    longitude: float

    def details(self) -> dict[str, object]:
        """`LocationDetails` as Entra ID writes it."""
        return {
            "city": self.city,
            "state": self.state,
            "countryOrRegion": self.country,
            "geoCoordinates": {"latitude": self.latitude, "longitude": self.longitude},
        }


SEATTLE = Place("Seattle", "Washington", "US", 47.6062, -122.3321)
LONDON = Place("London", "England", "GB", 51.5072, -0.1276)
ASHBURN = Place("Ashburn", "Virginia", "US", 39.0438, -77.4874)
LAGOS = Place("Lagos", "Lagos", "NG", 6.5244, 3.3792)
SAO_PAULO = Place("Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333)
AMSTERDAM = Place("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041)

# Documentation address ranges only (RFC 5737): offices, home lines, and hostile infrastructure.
SEATTLE_OFFICE_IP = "203.0.113.10"
LONDON_OFFICE_IP = "203.0.113.40"
CORPORATE_RANGE = "203.0.113.0/24"

EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"
)
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
OUTLOOK_IOS = "Outlook-iOS/709.2226530.prod.iphone (4.2444.0)"
POWERSHELL = "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.4391"
GRAPH_POWERSHELL_AGENT = "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.6"
AZURE_CLI_AGENT = "python/3.11.9 (Windows-10-10.0.22631-SP0) msal/1.31.0 azure-cli/2.66.0"
PYTHON_REQUESTS = "python-requests/2.32.3"


@dataclass(frozen=True)
class App:
    display_name: str
    app_id: str
    resource: str = "Windows Azure Active Directory"
    resource_id: str = "00000002-0000-0000-c000-000000000000"


# First-party application ids are public constants of Entra ID.
OFFICE_HOME = App("OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome")
OUTLOOK_WEB = App(
    "Office 365 Exchange Online",
    "00000002-0000-0ff1-ce00-000000000000",
    "Office 365 Exchange Online",
    "00000002-0000-0ff1-ce00-000000000000",
)
TEAMS = App(
    "Microsoft Teams",
    "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
    "Microsoft Teams Services",
    "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
)
AZURE_PORTAL = App(
    "Azure Portal",
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    "Windows Azure Service Management API",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
)
AZURE_AD_POWERSHELL = App("Azure Active Directory PowerShell", "1b730954-1685-4b74-9bfd-dac224a7b894")
AZURE_POWERSHELL = App(
    "Microsoft Azure PowerShell",
    "1950a258-227b-4e31-a9cf-717495945fc2",
    "Windows Azure Service Management API",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
)
GRAPH_POWERSHELL = App(
    "Microsoft Graph Command Line Tools",
    "14d82eec-204b-4c2f-b7e8-296a70dab67e",
    "Microsoft Graph",
    "00000003-0000-0000-c000-000000000000",
)
AZURE_CLI = App(
    "Microsoft Azure CLI",
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "Windows Azure Service Management API",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
)
MICROSOFT_AUTHENTICATOR = App(
    "Microsoft Authenticator App",
    "4813382a-8fa7-425e-ab75-3b753aab3abb",
    "Microsoft Graph",
    "00000003-0000-0000-c000-000000000000",
)
OUTLOOK_MOBILE = App(
    "Outlook Mobile",
    "27922004-5251-4030-b22d-91ecd9a37ea4",
    "Office 365 Exchange Online",
    "00000002-0000-0ff1-ce00-000000000000",
)
BROWSER_APPS = (OFFICE_HOME, OUTLOOK_WEB, TEAMS)


# Each browser ships an update during the week (the major version moves, as auto-updates do).
BROWSER_UPDATES = {
    EDGE_WINDOWS: EDGE_WINDOWS.replace("130.0.0.0", "131.0.0.0"),
    CHROME_WINDOWS: CHROME_WINDOWS.replace("130.0.0.0", "131.0.0.0"),
    SAFARI_MAC: SAFARI_MAC.replace("Version/18.1", "Version/18.2"),
}


@dataclass(frozen=True)
class Device:
    id: str
    object_id: str
    name: str
    operating_system: str
    browser: str
    user_agent: str
    trust_type: str = "Azure AD joined"

    @property
    def intune_id(self) -> str:
        """Intune's managed-device id: not the Entra ID device id (IntuneDevices keeps that one in
        ReferenceId, the Log Analytics table reference says), so derived from it to stay deterministic."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"intune:{self.id}"))

    def details(self, *, compliant: bool = True) -> dict[str, object]:
        """`DeviceDetail` as Entra ID writes it for a managed device."""
        return {
            "deviceId": self.id,
            "displayName": self.name,
            "operatingSystem": self.operating_system,
            "browser": self.browser,
            "isCompliant": compliant,
            "isManaged": True,
            "trustType": self.trust_type,
        }


@dataclass(frozen=True)
class User:
    upn: str
    display_name: str
    id: str
    place: Place
    office_ip: str
    home_ip: str
    device: Device
    department: str
    user_type: str = "Member"

    @property
    def name(self) -> str:
        return self.upn.split("@")[0]


@dataclass(frozen=True)
class ServicePrincipal:
    display_name: str
    app_id: str
    id: str


@dataclass(frozen=True)
class Tenant:
    id: str
    subscription_id: str
    users: tuple[User, ...]
    service_principals: tuple[ServicePrincipal, ...]

    def user(self, name: str) -> User:
        for user in self.users:
            if user.name == name:
                return user
        raise KeyError(f"no user {name!r} in the sample tenant")

    def service_principal(self, display_name: str) -> ServicePrincipal:
        for principal in self.service_principals:
            if principal.display_name == display_name:
                return principal
        raise KeyError(f"no service principal {display_name!r} in the sample tenant")


# (name, display name, department, office); admins first.
PEOPLE = (
    ("nestor.wilke", "Nestor Wilke", "IT", "seattle"),
    ("pradeep.gupta", "Pradeep Gupta", "Cloud Operations", "seattle"),
    ("patti.fernandez", "Patti Fernandez", "IT Helpdesk", "seattle"),
    ("adele.vance", "Adele Vance", "Retail", "seattle"),
    ("alex.wilber", "Alex Wilber", "Marketing", "seattle"),
    ("megan.bowen", "Megan Bowen", "Marketing", "seattle"),
    ("lynne.robbins", "Lynne Robbins", "Retail", "seattle"),
    ("joni.sherman", "Joni Sherman", "Legal", "seattle"),
    ("grady.archie", "Grady Archie", "Research", "seattle"),
    ("isaiah.langer", "Isaiah Langer", "Sales", "seattle"),
    ("lee.gu", "Lee Gu", "Manufacturing", "seattle"),
    ("miriam.graham", "Miriam Graham", "Sales", "seattle"),
    ("johanna.lorenz", "Johanna Lorenz", "Engineering", "seattle"),
    ("lidia.holloway", "Lidia Holloway", "Finance", "seattle"),
    ("henrietta.mueller", "Henrietta Mueller", "Research", "seattle"),
    ("diego.siciliani", "Diego Siciliani", "HR", "seattle"),
    ("irvin.sayers", "Irvin Sayers", "Research", "seattle"),
    ("christie.cline", "Christie Cline", "Sales", "seattle"),
    ("enrico.cattaneo", "Enrico Cattaneo", "Engineering", "seattle"),
    ("debra.berger", "Debra Berger", "Executive", "seattle"),
    ("alan.steiner", "Alan Steiner", "Finance", "seattle"),
    ("allan.deyoung", "Allan Deyoung", "IT", "seattle"),
    ("ben.walters", "Ben Walters", "Sales", "seattle"),
    ("cameron.white", "Cameron White", "Engineering", "seattle"),
    ("emily.braun", "Emily Braun", "Finance", "seattle"),
    ("gerhart.moller", "Gerhart Moller", "Engineering", "seattle"),
    ("isabella.simonsen", "Isabella Simonsen", "Marketing", "seattle"),
    ("jordan.miller", "Jordan Miller", "Engineering", "seattle"),
    ("karen.berg", "Karen Berg", "IT", "seattle"),
    ("lisa.taylor", "Lisa Taylor", "HR", "seattle"),
    ("mark.8", "Mark Eight", "Sales", "seattle"),
    ("nina.perez", "Nina Perez", "Legal", "london"),
    ("oliver.hughes", "Oliver Hughes", "Sales", "london"),
    ("priya.shah", "Priya Shah", "Engineering", "london"),
    ("rachel.green", "Rachel Green", "Marketing", "london"),
    ("samuel.okafor", "Samuel Okafor", "Finance", "london"),
    ("tessa.brooks", "Tessa Brooks", "Research", "london"),
    ("victor.ivanov", "Victor Ivanov", "Engineering", "london"),
    ("wendy.chen", "Wendy Chen", "Retail", "london"),
    ("yusuf.demir", "Yusuf Demir", "Sales", "london"),
)

ADMINS = ("nestor.wilke", "pradeep.gupta", "patti.fernandez")

# Entra Connect's sync account (on-premises directory sync writes as this user), and the services
# that change the directory on their own.
SYNC_ACCOUNT = "Sync_CONTOSO-DC01_4f1c2d3e5a6b@contoso.onmicrosoft.com"

# Microsoft's own services keep their application ids in every tenant.
FIRST_PARTY_APP_IDS = {
    "MS-PIM": "01fc33a7-78ba-4d2f-a4b7-768e336e890e",
    "Microsoft Approval Management": "65d91a3d-ab74-42e6-8a2f-0add61688c74",
    "Device Registration Service": "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
    "Microsoft Intune": "0000000a-0000-0000-c000-000000000000",
}

SERVICE_PRINCIPAL_NAMES = (
    "contoso-deploy-pipeline",
    "Contoso HR Sync",
    "Contoso Web API",
    "Microsoft Intune",
    "Contoso Expenses",
    "Mail Backup Pro",
    "MS-PIM",
    "Microsoft Approval Management",
    "Device Registration Service",
    "id-contoso-web",
)

_BROWSERS = (
    ("Windows 10", "Edge 130.0.0", EDGE_WINDOWS),
    ("Windows 10", "Chrome 130.0.0", CHROME_WINDOWS),
    ("MacOs", "Safari 18.1", SAFARI_MAC),
)


def new_guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_tenant(rng: random.Random) -> Tenant:
    users = []
    for index, (name, display, department, office) in enumerate(PEOPLE):
        system, browser, agent = _BROWSERS[0 if index % 5 < 3 else 1 if index % 5 == 3 else 2]
        prefix = "MAC" if system == "MacOs" else "LT"
        device = Device(
            id=new_guid(rng),
            object_id=new_guid(rng),
            name=f"CONTOSO-{prefix}-{index + 101:04d}",
            operating_system=system,
            browser=browser,
            user_agent=agent,
        )
        users.append(
            User(
                upn=f"{name}@{DOMAIN}",
                display_name=display,
                id=new_guid(rng),
                place=SEATTLE if office == "seattle" else LONDON,
                office_ip=SEATTLE_OFFICE_IP if office == "seattle" else LONDON_OFFICE_IP,
                home_ip=f"198.51.100.{index + 11}",
                device=device,
                department=department,
            )
        )
    principals = tuple(
        ServicePrincipal(n, FIRST_PARTY_APP_IDS.get(n) or new_guid(rng), new_guid(rng))
        for n in SERVICE_PRINCIPAL_NAMES
    )
    return Tenant(new_guid(rng), new_guid(rng), tuple(users), principals)
