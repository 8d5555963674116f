"""People's names from many cultures, each with an ASCII spelling used to build e-mail addresses.

The cultures weigh roughly like a North American shop's customer base; the awkward cases (right-to-left
scripts, emoji, names longer than Sage's 60 characters) are chosen by the generator at fixed intervals
so that every data set has them.
"""

from __future__ import annotations

# (first names, last names); each entry is (as written, ascii form for e-mail)
CULTURES: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "english": (
        [("Bob", "bob"), ("Alice", "alice"), ("Emily", "emily"), ("James", "james"), ("Olivia", "olivia"),
         ("Michael", "michael"), ("Sarah", "sarah"), ("David", "david"), ("Jessica", "jessica"), ("Liam", "liam")],
        [("Norman", "norman"), ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"),
         ("Brown", "brown"), ("Taylor", "taylor"), ("O'Brien", "obrien"), ("McDonald", "mcdonald")],
    ),
    "french": (
        [("Léon", "leon"), ("Noël", "noel"), ("Zoë", "zoe"), ("Hélène", "helene"), ("François", "francois"),
         ("Amélie", "amelie"), ("Jérôme", "jerome"), ("Maëlle", "maelle")],
        [("Lefèvre", "lefevre"), ("Bélanger", "belanger"), ("Côté", "cote"), ("Gagnon", "gagnon"),
         ("Tremblay", "tremblay"), ("Léveillé", "leveille"), ("D'Amours", "damours")],
    ),
    "spanish": (
        [("José", "jose"), ("María", "maria"), ("Ángel", "angel"), ("Sofía", "sofia"), ("Íñigo", "inigo")],
        [("García", "garcia"), ("Núñez", "nunez"), ("Peña", "pena"), ("Martínez", "martinez"),
         ("de la Cruz", "delacruz")],
    ),
    "german": (
        [("Jürgen", "juergen"), ("Lukas", "lukas"), ("Søren", "soeren"), ("Anja", "anja"), ("Björn", "bjoern")],
        [("Müller", "mueller"), ("Schröder", "schroeder"), ("Weiß", "weiss"), ("Groß", "gross")],
    ),
    "chinese": (
        [("伟", "wei"), ("芳", "fang"), ("Xiaoming", "xiaoming"), ("静", "jing")],
        [("王", "wang"), ("李", "li"), ("Zhang", "zhang"), ("陈", "chen")],
    ),
    "japanese": ([("花子", "hanako"), ("Haruto", "haruto"), ("さくら", "sakura")], [("佐藤", "sato"), ("Tanaka", "tanaka")]),
    "korean": ([("민준", "minjun"), ("Seo-yeon", "seoyeon")], [("김", "kim"), ("Park", "park")]),
    "indian": (
        [("Priya", "priya"), ("Arjun", "arjun"), ("Ananya", "ananya"), ("प्रिया", "priya")],
        [("Sharma", "sharma"), ("Patel", "patel"), ("Venkataraman", "venkataraman")],
    ),
    "slavic": (
        [("Дмитрий", "dmitriy"), ("Łukasz", "lukasz"), ("Anastasia", "anastasia"), ("Ольга", "olga")],
        [("Иванов", "ivanov"), ("Wiśniewski", "wisniewski"), ("Dvořák", "dvorak")],
    ),
    "greek": (
        [("Γιώργος", "giorgos"), ("Eleni", "eleni")],
        [("Παπαδόπουλος", "papadopoulos"), ("Nikolaidis", "nikolaidis")],
    ),
    "vietnamese": ([("An", "an"), ("Thị Hồng", "thihong")], [("Nguyễn", "nguyen"), ("Trần", "tran")]),
    "turkish": ([("Çağla", "cagla"), ("Emre", "emre")], [("Öztürk", "ozturk"), ("Yılmaz", "yilmaz")]),
    "west_african": ([("Chinedu", "chinedu"), ("Adaeze", "adaeze")], [("Okafor", "okafor"), ("Adébáyọ̀", "adebayo")]),
    "nordic": ([("Åsa", "asa"), ("Øystein", "oystein")], [("Ångström", "angstrom"), ("Østergård", "ostergard")]),
}  # fmt: skip
CULTURE_WEIGHTS = {
    "english": 30, "french": 12, "spanish": 10, "german": 5, "chinese": 6, "japanese": 3, "korean": 3,
    "indian": 6, "slavic": 4, "greek": 2, "vietnamese": 3, "turkish": 2, "west_african": 3, "nordic": 2,
}  # fmt: skip

RTL_NAMES = [
    (("محمد", "mohammed"), ("العبدالله", "alabdullah")),
    (("فاطمة", "fatima"), ("الزهراء", "alzahraa")),
    (("يوسف", "youssef"), ("حداد", "haddad")),
    (("דוד", "david"), ("כהן", "cohen")),
    (("שרה", "sarah"), ("לוי", "levi")),
    (("נועה", "noa"), ("מזרחי", "mizrahi")),
]
EMOJI_NAMES = [
    (("Zoë 🌸", "zoe"), ("Lefèvre", "lefevre")),
    (("Sam 🚀", "sam"), ("Rocket", "rocket")),
    (("🦄 Luna", "luna"), ("Star✨", "star")),
    (("Max", "max"), ("Müller 🐶", "mueller")),
    (("Chloé 💖", "chloe"), ("D'Arcy 🍀", "darcy")),
]
# first + " " + last is longer than Sage's 60-character CustomerName.
LONG_NAMES = [
    (
        ("Maria Guadalupe Esperanza de los Ángeles", "mariaguadalupe"),
        ("Fernández de Córdoba y Montoya-Villalobos", "fernandez"),
    ),
    (("Hubert Blaine", "hubert"), ("Wolfeschlegelsteinhausenbergerdorff-Wolfeschlegelsteinhausen", "wolfe")),
    (("Kanoelehua Keʻelikōlani", "kanoelehua"), ("Kalanikūpuapaʻīkalaninui Ahilapalapa Kealiʻiakalani", "kalani")),
]  # fmt: skip

EMAIL_DOMAINS = [
    "example.com",
    "mail.example.com",
    "example.org",
    "example.net",
    "exemple.fr",
    "beispiel.example",
]
TAGS = ["", "", "", "VIP", "wholesale", "Léon, Noël", "newsletter, returning", "b2b, net30", "ポイント会員"]
NOTES = [None, None, None, None, "Prefers e-mail contact", "Gate code 1234\nLeave parcels at the side door",
         "Client fidèle depuis 2019 — remise 5 %", "Do not call before 10am"]  # fmt: skip
