"""Who and where in the sample distributor: sites, cities, streets, customer segments
and names, and the carriers with their services. All of it is made up."""

from __future__ import annotations

import itertools

from shipshape.sim.sample.records import Record

# --------------------------------------------------------------------------- sites

SITES: tuple[Record, ...] = (
    {"id": "DAL", "name": "Dallas DC", "country": "US", "postal_code": "75212"},
    {"id": "ATL", "name": "Atlanta DC", "country": "US", "postal_code": "30336"},
    {"id": "RNO", "name": "Reno DC", "country": "US", "postal_code": "89502"},
)
SITE_WEIGHTS = {"DAL": 40, "ATL": 35, "RNO": 25}

# (city, region, postal code) served best from each site
CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "DAL": (
        ("Dallas", "TX", "75201"), ("Houston", "TX", "77002"), ("Austin", "TX", "78701"),
        ("San Antonio", "TX", "78205"), ("Fort Worth", "TX", "76102"),
        ("Oklahoma City", "OK", "73102"), ("Tulsa", "OK", "74103"),
        ("Little Rock", "AR", "72201"), ("Shreveport", "LA", "71101"),
        ("Albuquerque", "NM", "87102"), ("Wichita", "KS", "67202"),
        ("Kansas City", "MO", "64106"),
    ),
    "ATL": (
        ("Atlanta", "GA", "30303"), ("Charlotte", "NC", "28202"), ("Nashville", "TN", "37203"),
        ("Birmingham", "AL", "35203"), ("Jacksonville", "FL", "32202"),
        ("Orlando", "FL", "32801"), ("Miami", "FL", "33130"), ("Raleigh", "NC", "27601"),
        ("Columbia", "SC", "29201"), ("Memphis", "TN", "38103"),
        ("Richmond", "VA", "23219"), ("Philadelphia", "PA", "19107"),
    ),
    "RNO": (
        ("Reno", "NV", "89501"), ("Sacramento", "CA", "95814"),
        ("San Francisco", "CA", "94105"), ("Los Angeles", "CA", "90012"),
        ("Portland", "OR", "97204"), ("Seattle", "WA", "98104"), ("Boise", "ID", "83702"),
        ("Salt Lake City", "UT", "84101"), ("Las Vegas", "NV", "89101"),
        ("Phoenix", "AZ", "85004"), ("Fresno", "CA", "93721"), ("Denver", "CO", "80202"),
    ),
}
ALL_US_CITIES = tuple(itertools.chain.from_iterable(CITIES.values()))
# (city, region, postal code, country)
FOREIGN_CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Toronto", "ON", "M5V 2T6", "CA"), ("Vancouver", "BC", "V6B 1A1", "CA"),
    ("Montreal", "QC", "H2Y 1C6", "CA"), ("Monterrey", "NL", "64000", "MX"),
    ("Guadalajara", "JAL", "44100", "MX"),
)
STREETS = (
    "Main St", "Commerce Dr", "Industrial Blvd", "Market St", "Oak Ave", "Elm St",
    "Distribution Way", "Park Ave", "Lakeview Rd", "Airport Rd", "Gateway Blvd", "Harbor Dr",
)

# ----------------------------------------------------------------------- customers

SEGMENT_COUNTS = {"retail": 50, "grocery": 40, "healthcare": 40, "industrial": 40,
                  "ecommerce": 30}
CUSTOMER_COUNT = sum(SEGMENT_COUNTS.values())
NAME_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "retail": (
        ("Lakeside", "Summit", "Harbor", "Prairie", "Redwood", "Bluebird", "Cornerstone",
         "Main Street", "Riverbend", "Pioneer"),
        ("Outfitters", "General Store", "Home & Garden", "Hardware", "Mercantile",
         "Supply Co."),
    ),
    "grocery": (
        ("FreshWay", "Green Valley", "Sunrise", "Hometown", "Golden Harvest", "Farmstead",
         "Cityline", "Oak Hill", "Bayside", "Heartland"),
        ("Market", "Foods", "Grocers", "Co-op", "Supermarket"),
    ),
    "healthcare": (
        ("St. Brigid", "Mercy Plains", "Lakeview", "Northside", "Riverside", "Cedar Ridge",
         "Valley Crest", "Willow Park"),
        ("Medical Center", "Clinic", "Health System", "Surgical Center", "Urgent Care",
         "Pharmacy"),
    ),
    "industrial": (
        ("Apex", "Ironclad", "Keystone", "Midland", "Precision", "Titan", "Delta Forge",
         "Allied"),
        ("Manufacturing", "Fabrication", "Machine Works", "Industries", "Plastics",
         "Assembly"),
    ),
    "ecommerce": (
        ("Parcelly", "ShopNest", "Boxwise", "CartLoop", "Urban Crate", "Brightcart",
         "Nimbus Goods", "Quickshelf"),
        ("Online", "Direct", "Commerce", "Marketplace", "Inc."),
    ),
}
SEGMENT_CREDIT = {"retail": 40000, "grocery": 60000, "healthcare": 80000,
                  "industrial": 50000, "ecommerce": 30000}
CREDIT_FACTORS = (0.15, 0.25, 0.5, 0.75, 1.0, 1.0, 1.5, 2.0, 3.0)
PAYMENT_TERMS = ("NET15", "NET30", "NET45", "NET60")
PAYMENT_WEIGHTS = (10, 60, 18, 12)
SHELF_LIFE_DAYS = (30, 45, 60, 90, 120)
SHIP_TO_LABELS = {
    "retail": ("Store #{n}", "Store #{n}", "Distribution Center"),
    "grocery": ("Store #{n}", "Store #{n}", "Commissary Kitchen"),
    "healthcare": ("Central Supply", "Main Campus", "Outpatient Pharmacy", "Clinic {n}"),
    "industrial": ("Plant {n}", "Receiving Dock {n}", "Maintenance Stores"),
    "ecommerce": ("Fulfillment Center {n}", "Returns Center"),
}

# ------------------------------------------------------------------------- carriers

_US_CA = ["US", "CA"]
_INTL = ["CA", "MX", "GB", "DE", "FR", "JP", "AU"]
CARRIERS: tuple[Record, ...] = (
    {"code": "UPS", "name": "UPS", "services": [
        {"code": "GND", "max_weight_kg": "68", "hazmat_allowed": False, "countries": _US_CA},
        {"code": "NDA", "max_weight_kg": "68", "hazmat_allowed": False, "countries": ["US"]},
        {"code": "WWX", "max_weight_kg": "68", "hazmat_allowed": False, "countries": _INTL},
    ]},
    {"code": "FDX", "name": "FedEx", "services": [
        {"code": "GRD", "max_weight_kg": "68", "hazmat_allowed": True, "countries": _US_CA},
        {"code": "2DY", "max_weight_kg": "68", "hazmat_allowed": True, "countries": ["US"]},
        {"code": "IPR", "max_weight_kg": "68", "hazmat_allowed": True,
         "countries": [*_INTL, "BR"]},
    ]},
    {"code": "XPO", "name": "XPO LTL", "services": [
        {"code": "LTL", "max_weight_kg": "9000", "hazmat_allowed": True, "countries": _US_CA},
    ]},
    {"code": "USPS", "name": "USPS", "services": [
        {"code": "PRI", "max_weight_kg": "31.75", "hazmat_allowed": False, "countries": ["US"]},
        {"code": "GA", "max_weight_kg": "31.75", "hazmat_allowed": False, "countries": ["US"]},
    ]},
)
