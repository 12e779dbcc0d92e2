"""The sample distributor's product catalog: product families and item-level tables.

Every product, GTIN company prefix and price here is made up.
"""

from __future__ import annotations

from typing import NamedTuple

# ---------------------------------------------------------------------------- items


class Family(NamedTuple):
    """A product family; items are every (variant, pack) combination of it.

    variants: "label[:factor]|..." and packs: "label:units:uom|..." where factor and
    units scale the base weight and price.
    """

    category: str
    template: str
    variants: str
    packs: str
    kg: float
    usd: float
    hazmat: bool = False


_F = Family
_EA_CS12 = "each:1:EA|case of 12:12:CS"
FAMILIES: tuple[Family, ...] = (
    _F("medical", "Nitrile exam gloves {}", "S|M|L|XL", "box of 100:1:BX|case of 1000:10:CS",
       0.75, 9.50),
    _F("medical", "Vinyl exam gloves {}", "S|M|L|XL", "box of 100:1:BX|case of 1000:10:CS",
       0.70, 6.20),
    _F("medical", "Surgical face masks {}", "ASTM level 1|ASTM level 2|ASTM level 3:1.3",
       "box of 50:1:BX|case of 500:10:CS", 0.40, 8.00),
    _F("medical", "N95 respirators {}", "regular|small", "box of 20:1:BX|case of 240:12:CS",
       0.30, 24.00),
    _F("medical", "Sterile gauze pads {}", "2x2 in|3x3 in:1.5|4x4 in:2",
       "box of 100:1:BX|case of 1200:12:CS", 0.30, 6.50),
    _F("medical", "Luer-Lock syringes {}", "1 mL:0.6|3 mL|5 mL:1.2|10 mL:1.5|20 mL:2",
       "box of 100:1:BX|case of 800:8:CS", 0.60, 14.00),
    _F("medical", "Hypodermic needles {} x 1 in", "18G|21G|23G|25G",
       "box of 100:1:BX|case of 1000:10:CS", 0.20, 9.00),
    _F("medical", "Alcohol prep pads {}", "medium|large:1.4",
       "box of 200:1:BX|case of 4000:20:CS", 0.35, 4.20),
    _F("medical", "Adhesive bandages {}", "plastic 1x3 in|fabric 1x3 in:1.3|knuckle:1.2",
       "box of 100:1:BX|case of 2400:24:CS", 0.20, 4.80),
    _F("medical", "Elastic bandage {}", "2 in|3 in:1.2|4 in:1.4|6 in:1.8",
       "each:1:EA|box of 10:10:BX", 0.08, 2.90),
    _F("medical", "Saline solution 0.9% {}", "250 mL:0.5|500 mL|1000 mL:2",
       "each:1:EA|case of 24:24:CS", 0.55, 2.40),
    _F("medical", "Thermometer probe covers {}", "oral|rectal",
       "box of 100:1:BX|case of 2000:20:CS", 0.15, 6.00),
    _F("medical", "Exam table paper {}", "18 in crepe|21 in smooth:1.2",
       "roll:1:EA|case of 12:12:CS", 1.80, 5.10),
    _F("medical", "Hand sanitizer gel 70% alcohol {}", "250 mL:0.5|500 mL|1 L:2", _EA_CS12,
       0.55, 4.00, hazmat=True),
    _F("medical", "Isolation gowns {}", "universal|XL:1.2", "pack of 10:1:BX|case of 100:10:CS",
       0.60, 12.00),
    _F("medical", "Specimen containers {}", "60 mL|120 mL:1.4",
       "box of 100:1:BX|case of 500:5:CS", 1.00, 18.00),
    _F("medical", "Blood pressure cuff {}", "child:0.8|adult|large adult:1.2", "each:1:EA",
       0.30, 22.00),
    _F("medical", "Cotton-tipped applicators {}", "3 in|6 in:1.5",
       "box of 1000:1:BX|case of 10000:10:CS", 0.40, 5.00),
    _F("food", "Ground coffee {}", "medium roast|dark roast|decaf:1.15",
       "12 oz bag:1:EA|case of 6 x 12 oz:6:CS|5 lb bag:6.7:EA", 0.34, 8.50),
    _F("food", "Whole bean coffee {}", "Colombian|Ethiopian:1.2|house blend:0.9",
       "2 lb bag:1:EA|case of 6:6:CS", 0.91, 18.00),
    _F("food", "Diced tomatoes {}", "14.5 oz can|28 oz can:1.8|#10 can:6",
       "case of 12:1:CS|case of 24:2:CS", 5.20, 14.00),
    _F("food", "Black beans {}", "15 oz can|#10 can:6", "case of 12:1:CS|case of 24:2:CS",
       5.40, 12.00),
    _F("food", "Long-grain white rice {}", "2 lb|10 lb:5|25 lb:12.5", "bag:1:EA|case of 6:6:CS",
       0.91, 2.60),
    _F("food", "All-purpose flour {}", "5 lb|25 lb:5|50 lb:10", "bag:1:EA|case of 8:8:CS",
       2.27, 3.20),
    _F("food", "Granulated sugar {}", "4 lb|10 lb:2.5|25 lb:6.25", "bag:1:EA|case of 8:8:CS",
       1.81, 3.50),
    _F("food", "Extra virgin olive oil {}", "500 mL|1 L:2|3 L tin:6", _EA_CS12, 0.95, 8.90),
    _F("food", "Canola oil {}", "1 gal|35 lb jug:4", "each:1:EA|case of 6:6:CS", 3.60, 11.50),
    _F("food", "Creamy peanut butter {}", "16 oz|40 oz:2.5|5 lb:5", _EA_CS12, 0.50, 3.80),
    _F("food", "{} pasta 1 lb", "Spaghetti|Penne|Rotini|Elbow macaroni",
       "case of 20:1:CS|10 lb box:0.5:BX", 9.30, 31.00),
    _F("food", "Bottled water 16.9 oz {}", "still|sparkling:1.6",
       "case of 24:1:CS|case of 35:1.45:CS", 12.50, 5.90),
    _F("food", "Granola bars {}", "oats and honey|peanut butter|chocolate chip",
       "box of 12:1:BX|case of 96:8:CS", 0.50, 5.20),
    _F("food", "Instant oatmeal {}", "original|maple brown sugar|apple cinnamon",
       "box of 10:1:BX|case of 120:12:CS", 0.45, 4.10),
    _F("food", "Low-sodium chicken broth {}", "32 oz carton|49.5 oz can:1.5", _EA_CS12,
       1.00, 3.10),
    _F("food", "{} tea bags", "Black|Green|Chamomile|Earl Grey",
       "box of 100:1:BX|case of 6 boxes:6:CS", 0.22, 6.40),
    _F("food", "Coffee creamer {}", "powder 35.3 oz canister|single-serve cups 180 ct:1.6",
       "each:1:EA|case of 6:6:CS", 1.05, 8.20),
    _F("food", "Clover honey {}", "12 oz|5 lb:6", _EA_CS12, 0.40, 4.90),
    _F("food", "Pure maple syrup {}", "8 oz|32 oz:4", _EA_CS12, 0.30, 8.70),
    _F("food", "Infant formula powder {}", "12.4 oz|30.8 oz:2.4", "each:1:EA|case of 6:6:CS",
       0.40, 16.50),
    _F("cleaning", "Bleach disinfectant 121 oz {}", "regular|splash-less",
       "each:1:EA|case of 3:3:CS", 3.90, 5.40),
    _F("cleaning", "Hydrogen peroxide 3% {}", "16 oz|1 gal:8", _EA_CS12, 0.50, 1.40),
    _F("cleaning", "Isopropyl alcohol 99% {}", "16 oz|1 gal:8", _EA_CS12, 0.45, 4.30,
       hazmat=True),
    _F("cleaning", "Acetone {}", "1 qt|1 gal:4", "each:1:EA|case of 6:6:CS", 0.85, 7.20,
       hazmat=True),
    _F("cleaning", "Glass cleaner {}", "32 oz spray|1 gal refill:4", _EA_CS12, 1.00, 3.40),
    _F("cleaning", "All-purpose cleaner {}",
       "lemon 32 oz spray|unscented 32 oz spray|pine 1 gal refill:4",
       "each:1:EA|case of 6:6:CS|case of 12:12:CS", 1.00, 3.80),
    _F("cleaning", "Disinfecting wipes {}", "75 ct|160 ct:1.8", "canister:1:EA|case of 6:6:CS",
       0.90, 5.90),
    _F("cleaning", "Paper towels {}", "kitchen roll 2-ply|multifold 1-ply|center-pull 2-ply:1.3",
       "case of 12:1:CS|case of 30:2.5:CS", 6.20, 27.50),
    _F("cleaning", "Toilet tissue 2-ply {}", "standard roll|jumbo roll:2",
       "case of 48:1:CS|case of 96:2:CS", 7.80, 39.00),
    _F("cleaning", "Trash bags {}", "13 gal|33 gal:1.8|55 gal:2.6",
       "box of 100:1:BX|case of 250:2.5:CS", 2.40, 17.50),
    _F("cleaning", "Neutral floor cleaner 1 gal {}", "concentrate:1.3|ready-to-use",
       "each:1:EA|case of 4:4:CS", 4.00, 11.80),
    _F("cleaning", "Heavy-duty degreaser {}", "32 oz spray|1 gal:4", "each:1:EA|case of 6:6:CS",
       1.00, 6.90),
    _F("cleaning", "Air freshener pump spray {}", "citrus|linen|lavender", _EA_CS12, 0.30, 3.90),
    _F("cleaning", "Dish soap 38 oz {}", "lemon|original", "each:1:EA|case of 9:9:CS",
       1.20, 4.10),
    _F("cleaning", "Reusable nitrile cleaning gloves {}", "M|L|XL",
       "pair:1:EA|pack of 12:12:BX", 0.10, 2.90),
    _F("cleaning", "Microfiber cloths {}", "12x12 in|16x16 in:1.5",
       "pack of 12:1:BX|case of 240:20:CS", 0.45, 9.80),
    _F("cleaning", "Wet mop heads {}", "16 oz|24 oz:1.4", _EA_CS12, 0.45, 6.80),
    _F("packaging", "Corrugated shipping boxes {}",
       "8x6x4 in:0.4|10x8x6 in:0.6|12x10x8 in:0.8|14x10x10 in|16x12x12 in:1.3"
       "|18x18x18 in:2|20x20x20 in:2.4|24x18x12 in:2.1",
       "bundle of 25:1:BX|bundle of 100:4:CS", 5.00, 18.00),
    _F("packaging", "Clear packing tape {}", "2 in x 55 yd|3 in x 110 yd:2.2",
       "roll:1:EA|case of 36:36:CS", 0.22, 2.40),
    _F("packaging", "Hand stretch wrap 80 ga {}", "15 in x 1500 ft|18 in x 1500 ft:1.2",
       "roll:1:EA|case of 4:4:CS", 1.90, 14.00),
    _F("packaging", "Bubble wrap {}", "3/16 in x 12 in x 175 ft|1/2 in x 12 in x 250 ft:1.3",
       "roll:1:EA|case of 4:4:CS", 1.20, 16.00),
    _F("packaging", "Poly mailers {}", "6x9 in:0.5|10x13 in|14.5x19 in:1.8",
       "pack of 100:1:BX|case of 500:5:CS", 1.40, 11.00),
    _F("packaging", "Kraft padded mailers {}", "#0:0.6|#2:0.8|#5|#7:1.3",
       "box of 25:1:BX|case of 250:10:CS", 1.30, 12.50),
    _F("packaging", "Thermal shipping labels 4x6 in {}", "fanfold|roll",
       "pack of 500:1:BX|case of 10 packs:10:CS", 1.60, 13.00),
    _F("packaging", "Packing peanuts 14 cu ft bag {}", "white|green recycled",
       "each:1:EA|pack of 4:4:CS", 1.50, 24.00),
    _F("packaging", "Kraft paper roll {}", "30 lb 24 in x 1200 ft|40 lb 36 in x 900 ft:1.3",
       "each:1:EA", 15.00, 38.00),
    _F("packaging", "Wood pallet GMA 48x40 in {}", "grade A:1.1|grade B", "each:1:EA",
       22.00, 12.00),
    _F("packaging", "Polypropylene strapping {}", "1/2 in x 7200 ft|5/8 in x 6000 ft:1.2",
       "coil:1:EA", 11.00, 42.00),
    _F("packaging", "Silica gel desiccant packs {}", "5 g|10 g:2",
       "box of 500:1:BX|case of 5000:10:CS", 2.80, 21.00),
    _F("packaging", "Tape dispenser gun {}", "2 in|3 in:1.3", "each:1:EA|pack of 6:6:BX",
       0.60, 9.50),
    _F("packaging", "Corner edge protectors {}", "2x2x36 in|3x3x48 in:1.6",
       "bundle of 50:1:BX|case of 500:10:CS", 6.00, 28.00),
    _F("foodservice", "Deli containers with lids {}", "8 oz:0.7|16 oz|32 oz:1.5",
       "sleeve of 50:1:BX|case of 500:10:CS", 0.90, 7.50),
    _F("foodservice", "Aluminum steam table pans {}", "half-size|full-size:1.8",
       "pack of 10:1:BX|case of 100:10:CS", 0.80, 9.00),
    _F("foodservice", "Paper hot cups {}", "8 oz|12 oz:1.2|16 oz:1.4",
       "sleeve of 50:1:BX|case of 1000:20:CS", 0.45, 4.20),
    _F("foodservice", "Hot cup lids {}", "for 8 oz|for 12-20 oz:1.2",
       "sleeve of 100:1:BX|case of 1000:10:CS", 0.30, 3.80),
    _F("foodservice", "Heavy-weight plastic {}", "forks|knives|spoons",
       "box of 1000:1:BX|case of 6 boxes:6:CS", 2.20, 16.00),
    _F("foodservice", "{} napkins", "Dinner|Beverage:0.5", "pack of 500:1:BX|case of 3000:6:CS",
       1.30, 6.50),
    _F("industrial", "Zinc hex bolts {}",
       "1/4-20 x 1 in:0.5|5/16-18 x 1.5 in:0.8|3/8-16 x 2 in|1/2-13 x 3 in:2",
       "box of 50:1:BX|box of 100:2:BX", 1.00, 9.00),
    _F("industrial", "Zinc hex nuts {}", "1/4-20:0.5|5/16-18:0.7|3/8-16|1/2-13:1.8",
       "box of 100:1:BX|box of 500:5:BX", 0.60, 5.00),
    _F("industrial", "Flat washers {}", "1/4 in:0.5|5/16 in:0.7|3/8 in|1/2 in:1.6",
       "box of 100:1:BX|box of 500:5:BX", 0.30, 4.00),
    _F("industrial", "#8 wood screws {}", "1 in:0.6|1.5 in:0.8|2 in|3 in:1.5",
       "box of 100:1:BX|box of 1000:10:BX", 0.40, 6.00),
    _F("industrial", "Anti-fog safety glasses {}", "clear|smoke|amber",
       "each:1:EA|box of 12:12:BX", 0.05, 4.10),
    _F("industrial", "Foam ear plugs {}", "uncorded|corded:1.5",
       "box of 200 pairs:1:BX|case of 2000 pairs:10:CS", 0.50, 19.00),
    _F("industrial", "Type I hard hat {}", "white|yellow|orange|blue", "each:1:EA", 0.40, 14.50),
    _F("industrial", "Class 2 high-visibility vest {}", "M|L|XL|2XL:1.1", "each:1:EA",
       0.20, 8.90),
    _F("industrial", "A4 cut-resistant gloves {}", "M|L|XL", "pair:1:EA|pack of 12:12:BX",
       0.10, 7.80),
    _F("industrial", "Leather work gloves {}", "M|L|XL", "pair:1:EA|pack of 12:12:BX",
       0.18, 6.90),
    _F("industrial", "Aerosol spray paint 12 oz {}",
       "safety yellow|flat black|gloss white|marking orange", "can:1:EA|case of 6:6:CS",
       0.50, 6.80, hazmat=True),
    _F("industrial", "Nylon cable ties {}", "4 in:0.3|8 in|11 in:1.5|14 in:2",
       "bag of 100:1:BX|case of 1000:10:CS", 0.15, 3.90),
    _F("industrial", "Duct tape 2 in x 60 yd {}", "silver|black", "roll:1:EA|case of 24:24:CS",
       0.40, 6.20),
    _F("industrial", "Utility knife blades {}", "standard|heavy-duty:1.4",
       "pack of 10:1:BX|pack of 100:10:BX", 0.05, 3.50),
    _F("industrial", "Alkaline batteries {}", "AA|AAA:0.8|C:2.2|D:3.5|9V:1.8",
       "pack of 24:1:BX|case of 144:6:CS", 0.55, 13.50),
    _F("industrial", "12/3 extension cord {}", "25 ft|50 ft:1.9|100 ft:3.6", "each:1:EA",
       2.10, 29.00),
    _F("industrial", "LED work light {}", "20 W|50 W:1.8", "each:1:EA", 1.40, 34.00),
    _F("industrial", "Universal absorbent pads 15x19 in {}", "lightweight|heavyweight:1.6",
       "bale of 100:1:BX|case of 200:2:CS", 3.20, 29.00),
    _F("industrial", "Manual pallet jack 5500 lb {}", "27x48 in forks|20.5x48 in forks",
       "each:1:EA", 72.00, 389.00),
    _F("industrial", "Steel wire shelving unit 5-tier {}", "48x18x72 in|60x24x72 in:1.3",
       "each:1:EA", 34.00, 159.00),
    _F("industrial", "Fiberglass step ladder {}", "6 ft|8 ft:1.4", "each:1:EA", 9.50, 149.00),
    _F("office", "Copy paper 8.5x11 in 20 lb {}", "white|recycled:1.1",
       "ream:1:EA|case of 10:10:CS", 2.30, 7.20),
    _F("office", "Medium ballpoint pens {}", "black|blue|red", "box of 12:1:BX|case of 144:12:CS",
       0.15, 3.60),
    _F("office", "Sticky notes 3x3 in {}", "yellow|assorted:1.2",
       "pack of 12:1:BX|case of 144:12:CS", 0.50, 8.50),
    _F("office", "Letter file folders {}", "manila|assorted colors:1.4",
       "box of 100:1:BX|case of 1000:10:CS", 1.80, 11.00),
    _F("office", "Laser toner cartridge {}", "black|cyan:1.2|magenta:1.2|yellow:1.2",
       "each:1:EA", 0.90, 84.00),
    _F("office", "Thermal receipt paper {}", "2.25 in x 85 ft|3.125 in x 230 ft:2.2",
       "box of 12:1:BX|case of 50:4:CS", 0.70, 11.00),
    _F("office", "Binder clips {}", "small:0.5|medium|large:1.8", "box of 12:1:BX|box of 144:12:BX",
       0.12, 1.90),
    _F("office", "Legal pads 8.5x11.75 in {}", "yellow|white", "pack of 12:1:BX|case of 72:6:CS",
       1.60, 11.50),
    _F("office", "Permanent markers {}", "black|assorted", "box of 12:1:BX|case of 144:12:CS",
       0.15, 7.90),
)
# share of each category's items that are lot controlled (2% for other categories)
LOT_CONTROLLED_SHARE = {"medical": 0.55, "food": 0.70, "cleaning": 0.08}
SHELF_LIFE = {"food": 540, "medical": 1095}  # days; 730 for other categories
COMPANY_PREFIXES = ("0614141", "0885370", "0300456", "0716233", "0041220", "0074312",
                    "0811571", "0194735", "0622910", "0352087", "0047503")
GTIN_INDICATOR = {"EA": "0", "BX": "1", "CS": "3"}
# what each customer segment mostly buys
SEGMENT_CATEGORIES = {
    "retail": ("cleaning", "packaging", "office", "food"),
    "grocery": ("food", "foodservice", "cleaning", "packaging"),
    "healthcare": ("medical", "cleaning", "office"),
    "industrial": ("industrial", "cleaning", "packaging"),
    "ecommerce": ("packaging", "office", "industrial"),
}
# contract price tolerances, percent; one is drawn per customer
TOLERANCES = ("1.0", "2.0", "2.0", "2.0", "5.0")


def parse_variants(spec: str) -> list[tuple[str, float]]:
    parts = [part.split(":") for part in spec.split("|")]
    return [(p[0], float(p[1]) if len(p) > 1 else 1.0) for p in parts]


def parse_packs(spec: str) -> list[tuple[str, float, str]]:
    parts = [part.split(":") for part in spec.split("|")]
    return [(p[0], float(p[1]), p[2]) for p in parts]

