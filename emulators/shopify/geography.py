"""Countries, provinces and cities the generator draws from, and lookups used to validate addresses.

Province codes follow Shopify's (US states, Canadian provinces, `JP-13`, `NSW`, …). Some places are here
on purpose because a Sage tax-group table keyed by US/Canadian codes will not know them (Puerto Rico,
armed-forces codes, Mexican, Australian, Indian and Japanese codes), and some have no province at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    phone_prefix: str
    provinces: dict[str, str]  # code -> name; empty when the country has no provinces in Shopify


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in [
        Country(
            "US",
            "United States",
            "+1",
            {
                "AL": "Alabama",
                "AZ": "Arizona",
                "CA": "California",
                "CO": "Colorado",
                "FL": "Florida",
                "GA": "Georgia",
                "IL": "Illinois",
                "KY": "Kentucky",
                "MA": "Massachusetts",
                "MI": "Michigan",
                "MN": "Minnesota",
                "NY": "New York",
                "NC": "North Carolina",
                "OH": "Ohio",
                "OR": "Oregon",
                "PA": "Pennsylvania",
                "TX": "Texas",
                "UT": "Utah",
                "WA": "Washington",
                "WI": "Wisconsin",
                "PR": "Puerto Rico",
                "GU": "Guam",
                "AE": "Armed Forces Europe",
                "NM": "New Mexico",
            },
        ),  # fmt: skip
        Country(
            "CA",
            "Canada",
            "+1",
            {
                "AB": "Alberta",
                "BC": "British Columbia",
                "MB": "Manitoba",
                "NB": "New Brunswick",
                "NL": "Newfoundland and Labrador",
                "NS": "Nova Scotia",
                "ON": "Ontario",
                "QC": "Quebec",
                "SK": "Saskatchewan",
                "YT": "Yukon",
                "PE": "Prince Edward Island",
            },
        ),  # fmt: skip
        Country("GB", "United Kingdom", "+44", {}),
        Country("DE", "Germany", "+49", {}),
        Country("FR", "France", "+33", {}),
        Country("IL", "Israel", "+972", {}),
        Country("MX", "Mexico", "+52", {"JAL": "Jalisco", "CMX": "Ciudad de México", "NLE": "Nuevo León"}),
        Country("AU", "Australia", "+61", {"NSW": "New South Wales", "VIC": "Victoria", "QLD": "Queensland"}),
        Country("JP", "Japan", "+81", {"JP-13": "Tokyo", "JP-27": "Osaka"}),
        Country("IN", "India", "+91", {"MH": "Maharashtra", "KA": "Karnataka"}),
        Country("AE", "United Arab Emirates", "+971", {"DU": "Dubai", "AZ": "Abu Dhabi"}),
        Country("BR", "Brazil", "+55", {"SP": "São Paulo", "RJ": "Rio de Janeiro"}),
        Country("ES", "Spain", "+34", {"M": "Madrid", "B": "Barcelona"}),
        Country("TH", "Thailand", "+66", {"TH-10": "Bangkok"}),
    ]
}

COUNTRY_BY_NAME = {c.name.lower(): c for c in COUNTRIES.values()}


@dataclass(frozen=True)
class City:
    name: str
    country: str
    province: str | None
    zip_pattern: str  # '#' = digit, 'A' = capital letter
    area_code: str  # local phone prefix used for address phones


# Ordinary places; the generator picks US and Canada most often because Ferry targets North American Sage shops.
CITIES_US = [
    City("Louisville", "US", "KY", "402##", "502"), City("New York", "US", "NY", "100##", "212"),
    City("Brooklyn", "US", "NY", "112##", "718"), City("Chicago", "US", "IL", "606##", "312"),
    City("Austin", "US", "TX", "787##", "512"), City("Houston", "US", "TX", "770##", "713"),
    City("Los Angeles", "US", "CA", "900##", "213"), City("San Francisco", "US", "CA", "941##", "415"),
    City("Seattle", "US", "WA", "981##", "206"), City("Portland", "US", "OR", "972##", "503"),
    City("Denver", "US", "CO", "802##", "303"), City("Phoenix", "US", "AZ", "850##", "602"),
    City("Miami", "US", "FL", "331##", "305"), City("Atlanta", "US", "GA", "303##", "404"),
    City("Boston", "US", "MA", "021##", "617"), City("Detroit", "US", "MI", "482##", "313"),
    City("Minneapolis", "US", "MN", "554##", "612"), City("Charlotte", "US", "NC", "282##", "704"),
    City("Columbus", "US", "OH", "432##", "614"), City("Philadelphia", "US", "PA", "191##", "215"),
    City("Salt Lake City", "US", "UT", "841##", "801"), City("Milwaukee", "US", "WI", "532##", "414"),
    City("Birmingham", "US", "AL", "352##", "205"), City("Santa Fe", "US", "NM", "875##", "505"),
]  # fmt: skip
CITIES_CA = [
    City("Ottawa", "CA", "ON", "K#A #A#", "613"), City("Toronto", "CA", "ON", "M#A #A#", "416"),
    City("Montréal", "CA", "QC", "H#A #A#", "514"), City("Québec", "CA", "QC", "G#A #A#", "418"),
    City("Vancouver", "CA", "BC", "V#A #A#", "604"), City("Calgary", "CA", "AB", "T#A #A#", "403"),
    City("Winnipeg", "CA", "MB", "R#A #A#", "204"), City("Halifax", "CA", "NS", "B#A #A#", "902"),
    City("St. John's", "CA", "NL", "A#A #A#", "709"), City("Regina", "CA", "SK", "S#A #A#", "306"),
    City("Whitehorse", "CA", "YT", "Y#A #A#", "867"), City("Moncton", "CA", "NB", "E#A #A#", "506"),
]  # fmt: skip
CITIES_WORLD = [
    City("London", "GB", None, "SW1A #AA", "20"), City("Manchester", "GB", None, "M# #AA", "161"),
    City("Berlin", "DE", None, "10###", "30"), City("München", "DE", None, "80###", "89"),
    City("Paris", "FR", None, "750##", "1"), City("Lyon", "FR", None, "6900#", "4"),
    City("Tel Aviv", "IL", None, "6######", "3"), City("Guadalajara", "MX", "JAL", "44###", "33"),
    City("Ciudad de México", "MX", "CMX", "06###", "55"), City("Sydney", "AU", "NSW", "2###", "2"),
    City("Melbourne", "AU", "VIC", "3###", "3"), City("東京", "JP", "JP-13", "1##-####", "3"),
    City("Mumbai", "IN", "MH", "400###", "22"), City("Bengaluru", "IN", "KA", "560###", "80"),
    City("Dubai", "AE", "DU", "", "4"), City("São Paulo", "BR", "SP", "0####-###", "11"),
    City("Madrid", "ES", "M", "280##", "91"), City("San Juan", "US", "PR", "009##", "787"),
    City("Hagåtña", "US", "GU", "969##", "671"), City("APO", "US", "AE", "090##", "314"),
]  # fmt: skip
# Longer than Sage's 30-character City field.
CITIES_LONG = [
    City("Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", "GB", None, "LL61 #AA", "1248"),
    City("Krung Thep Maha Nakhon Amon Rattanakosin Mahinthara", "TH", "TH-10", "10###", "2"),
    City("Saint-Louis-du-Ha! Ha! et Notre-Dame-du-Portage", "CA", "QC", "G0L #A#", "418"),
    City("Rancho Santa Margarita Foothill Ranch", "US", "CA", "926##", "949"),
]  # fmt: skip

STREETS = [
    "Chestnut Street", "Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street", "Pine Road",
    "King Street West", "Rue Sainte-Catherine", "Rue de Rivoli", "Hauptstraße", "Calle Mayor", "Baker Street",
    "Avenida Paulista", "Sheikh Zayed Road", "Rothschild Blvd", "MG Road", "George Street", "Bloor Street East",
    "Boulevard René-Lévesque", "Straße des 17. Juni", "Sunset Boulevard", "Lakeshore Drive", "1st Avenue",
]  # fmt: skip
# Longer than Sage's 60-character address lines.
STREETS_LONG = [
    "Building 7, Industrial Estate Phase II, Near Old Water Tank, Opposite Shiv Temple, Andheri East",
    "Unit 1204, Tower B, The Exchange Centre, Corner of Avenida Insurgentes Sur and Calle Viaducto",
    "c/o Receiving Department, Loading Dock 3, North Warehouse Complex, 1500 Industrial Parkway",
]  # fmt: skip
ADDRESS2 = ["", "", "", "", "Apt 4B", "Suite 200", "Unit 12", "2e étage", "Floor 3", "Box 19", "#1203"]
COMPANIES = [None, None, None, None, None, "Acme Corp", "Northwind Traders", "Bäckerei Müller GmbH",
             "Les Délices d'Hélène", "Contoso Ltd.", "株式会社山田商事", "Fabrikam, Inc.", "O'Reilly & Sons"]  # fmt: skip


def province_name(country: str, code: str | None) -> str | None:
    return COUNTRIES[country].provinces.get(code) if code else None
