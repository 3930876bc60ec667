/// The words sample documents are made of: products an FBA seller sources, the suppliers that
/// make them, the sellers they bill.
enum SampleVocabulary {
    /// A product: the seller's listing title, the supplier's wording, a paraphrase, a unit cost range in USD.
    struct Product {
        let title: String
        let supplierDescription: String
        let paraphrase: String
        let skuStem: String
        let unitCost: ClosedRange<Double>
    }

    static let products: [Product] = [
        Product(title: "Chalk Markers 12 Pack", supplierDescription: "Liquid chalk marker 6mm reversible tip, 12 colours/set",
                paraphrase: "12-colour liquid chalk pens", skuStem: "CHALK-12", unitCost: 2.10...3.40),
        Product(title: "Silicone Baking Mat 2-Pack", supplierDescription: "Food grade silicone baking mat 42x29.5cm, 2pcs/set",
                paraphrase: "Non-stick silicone baking sheets (set of 2)", skuStem: "MAT-2", unitCost: 1.80...2.90),
        Product(title: "Yoga Strap 8ft", supplierDescription: "Cotton yoga strap 8ft with metal D-ring buckle",
                paraphrase: "8 foot cotton stretch strap", skuStem: "YSTRAP-8", unitCost: 0.95...1.60),
        Product(title: "Bamboo Cutting Board Set 3-Piece", supplierDescription: "Bamboo chopping board 3pcs set with juice groove",
                paraphrase: "3 pc bamboo chopping boards", skuStem: "BAMBOO-3", unitCost: 4.20...6.50),
        Product(title: "Stainless Steel Straws 8 Pack", supplierDescription: "SS304 drinking straw 8pcs + 2 brushes + pouch",
                paraphrase: "Reusable metal straws, 8 ct", skuStem: "STRAW-8", unitCost: 0.85...1.40),
        Product(title: "Resistance Bands Set of 5", supplierDescription: "Latex resistance loop band 5 levels/set with carry bag",
                paraphrase: "Exercise loop bands (5 strengths)", skuStem: "BAND-5", unitCost: 1.20...2.10),
        Product(title: "Silicone Ice Cube Tray 2-Pack", supplierDescription: "Silicone ice tray 15 cavity with lid, 2pcs",
                paraphrase: "Ice cube moulds with lids, pair", skuStem: "ICE-2", unitCost: 1.10...1.90),
        Product(title: "Reusable Produce Bags 9 Pack", supplierDescription: "Mesh produce bag drawstring 3 sizes, 9pcs/set",
                paraphrase: "Mesh veggie bags, 9-piece", skuStem: "PBAG-9", unitCost: 1.30...2.20),
        Product(title: "Magnetic Whiteboard Markers 10 Pack", supplierDescription: "Dry erase marker magnetic cap with eraser, 10pcs",
                paraphrase: "Dry-erase markers w/ magnet caps (10)", skuStem: "WBM-10", unitCost: 1.60...2.60),
        Product(title: "Cable Organizer Clips 16 Pack", supplierDescription: "Silicone cable clip self-adhesive, 16pcs",
                paraphrase: "Self-adhesive cord holders 16 pc", skuStem: "CLIP-16", unitCost: 0.70...1.20),
        Product(title: "Microfiber Cleaning Cloths 24 Pack", supplierDescription: "Microfiber towel 30x30cm 300gsm, 24pcs/pack",
                paraphrase: "Microfibre rags, pack of 24", skuStem: "MICRO-24", unitCost: 3.20...4.80),
        Product(title: "Glass Meal Prep Containers 5 Pack", supplierDescription: "Borosilicate glass food container 1040ml snap lid, 5 sets",
                paraphrase: "Glass lunch boxes with lids x5", skuStem: "GLASS-5", unitCost: 6.80...9.50),
        Product(title: "Collapsible Water Bottle 20oz", supplierDescription: "Silicone foldable water bottle 600ml BPA free",
                paraphrase: "Foldable silicone bottle, 20 oz", skuStem: "CWB-20", unitCost: 1.90...3.10),
        Product(title: "Kids Art Smock 2-Pack", supplierDescription: "Waterproof children painting apron long sleeve, 2pcs",
                paraphrase: "Toddler painting aprons (2)", skuStem: "SMOCK-2", unitCost: 1.70...2.60),
        Product(title: "Dog Poop Bags 360 Count", supplierDescription: "Pet waste bag 15 bags/roll x 24 rolls with dispenser",
                paraphrase: "Doggy waste bags, 24 rolls", skuStem: "POOP-360", unitCost: 1.90...2.80),
        Product(title: "LED Puck Lights 6 Pack", supplierDescription: "Wireless LED puck light with remote, 6pcs/set",
                paraphrase: "Battery puck lights and remote (6)", skuStem: "PUCK-6", unitCost: 5.50...8.20),
        Product(title: "Adjustable Phone Stand", supplierDescription: "Aluminium alloy desktop phone holder, adjustable",
                paraphrase: "Adjustable aluminium phone holder", skuStem: "STAND-AL", unitCost: 1.60...2.70),
        Product(title: "Weighted Jump Rope", supplierDescription: "Weighted skipping rope PVC with foam handle 2.8m",
                paraphrase: "Heavy skipping rope, foam grips", skuStem: "JROPE-W", unitCost: 1.40...2.30),
        Product(title: "Bath Bombs Gift Set 12", supplierDescription: "Natural bath bomb 100g assorted scent, 12pcs gift box",
                paraphrase: "Bath fizzers gift box of 12", skuStem: "BBOMB-12", unitCost: 4.10...6.20),
        Product(title: "Velvet Hangers 50 Pack", supplierDescription: "Velvet suit hanger non-slip 45cm, 50pcs/carton",
                paraphrase: "Non-slip velvet hangers x50", skuStem: "HANG-50", unitCost: 6.90...9.80),
        Product(title: "Spice Jars with Labels 24 Set", supplierDescription: "Glass spice jar 4oz with shaker lid + labels, 24pcs",
                paraphrase: "4 oz spice bottles with labels (24)", skuStem: "SPICE-24", unitCost: 7.20...10.50),
        Product(title: "Digital Kitchen Timer 2-Pack", supplierDescription: "Digital kitchen timer magnetic back LCD, 2pcs",
                paraphrase: "Magnetic countdown timers, pair", skuStem: "TIMER-2", unitCost: 1.80...2.90),
        Product(title: "Corner Shower Caddy 2-Tier", supplierDescription: "Adhesive shower corner shelf stainless steel 2 tier",
                paraphrase: "2-tier corner shower shelf", skuStem: "CADDY-2T", unitCost: 3.40...5.20),
        Product(title: "Roll-Up Dish Drying Rack", supplierDescription: "Roll-up dish drying rack stainless steel 17.5x13in",
                paraphrase: "Over-sink roll-up drying rack", skuStem: "RACK-RU", unitCost: 3.10...4.60),
        Product(title: "Wooden Spoons Set of 6", supplierDescription: "Teak wood cooking spoon 6pcs set",
                paraphrase: "Teak cooking utensils (6 pcs)", skuStem: "SPOON-6", unitCost: 2.60...3.90),
        Product(title: "Waterproof Phone Pouch 2-Pack", supplierDescription: "PVC waterproof phone bag IPX8 with lanyard, 2pcs",
                paraphrase: "IPX8 dry bags for phones (2)", skuStem: "POUCH-2", unitCost: 0.90...1.50),
        Product(title: "Packing Cubes Set of 6", supplierDescription: "Travel packing cube 6pcs set, nylon",
                paraphrase: "6 pc luggage organiser cubes", skuStem: "CUBE-6", unitCost: 3.80...5.60),
        Product(title: "Cast Iron Chainmail Scrubber", supplierDescription: "Stainless steel chainmail scrubber 7x7in",
                paraphrase: "Chain mail pan cleaner 7 inch", skuStem: "CHAIN-7", unitCost: 1.30...2.10),
        Product(title: "Foam Roller 18in", supplierDescription: "High density EVA foam roller 45cm",
                paraphrase: "18 inch EVA foam roller", skuStem: "ROLL-18", unitCost: 2.40...3.70),
        Product(title: "Pastel Sticky Notes 12 Pads", supplierDescription: "Self-stick notes 3x3in pastel 100 sheets/pad, 12 pads",
                paraphrase: "Pastel memo pads 3x3 (12)", skuStem: "NOTE-12", unitCost: 1.50...2.40),
    ]

    /// Lines that are on supplier invoices but are no catalog item: (description, code stem, unit cost range, per unit?).
    static let extras: [(description: String, code: String, cost: ClosedRange<Double>, perUnit: Bool)] = [
        ("Custom printed colour box", "BOX", 0.12...0.35, true),
        ("Polybag with suffocation warning", "PB", 0.02...0.06, true),
        ("FNSKU label printing and applying", "LBL", 0.03...0.08, true),
        ("Insert card, 4-colour print", "CARD", 0.04...0.10, true),
        ("Sample fee (refundable on order)", "SMP", 35...120, false),
        ("Mould fee, one-time", "MLD", 250...900, false),
        ("Carton marking and pallet wrap", "CTN", 40...160, false),
    ]

    /// A city a Chinese supplier is in: districts, province, postal prefix, its shipping port.
    struct ChineseCity {
        let name: String
        let districts: [String]
        let province: String
        let postal: Int
        let port: String
        let areaCode: String
    }

    static let chineseCities = [
        ChineseCity(name: "Shenzhen", districts: ["Futian District", "Longgang District", "Bao'an District", "Longhua District"],
                    province: "Guangdong", postal: 518_000, port: "Shenzhen", areaCode: "755"),
        ChineseCity(name: "Yiwu", districts: ["Futian Street", "Choucheng Street", "Beiyuan Street"], province: "Zhejiang",
                    postal: 322_000, port: "Ningbo", areaCode: "579"),
        ChineseCity(name: "Ningbo", districts: ["Yinzhou District", "Beilun District", "Jiangbei District"], province: "Zhejiang",
                    postal: 315_000, port: "Ningbo", areaCode: "574"),
        ChineseCity(name: "Guangzhou", districts: ["Baiyun District", "Panyu District", "Tianhe District"], province: "Guangdong",
                    postal: 510_000, port: "Guangzhou", areaCode: "20"),
        ChineseCity(name: "Dongguan", districts: ["Chang'an Town", "Humen Town", "Houjie Town"], province: "Guangdong",
                    postal: 523_000, port: "Shenzhen", areaCode: "769"),
        ChineseCity(name: "Xiamen", districts: ["Huli District", "Siming District"], province: "Fujian", postal: 361_000, port: "Xiamen", areaCode: "592"),
    ]

    static let chineseNameCores = ["Huachuang", "Jinfeng", "Mingda", "Xinyu", "Haoyun", "Lianfa", "Boyuan", "Kaida", "Ruixiang",
                                   "Tianli", "Hengtai", "Yongsheng", "Shunda", "Weiye", "Jiali"]
    static let chineseCompanyKinds = ["Trading Co., Ltd.", "Technology Co., Ltd.", "Import & Export Co., Ltd.", "Manufacturing Co., Ltd.",
                                      "Industrial Co., Ltd.", "Household Products Co., Ltd.", "Plastic Products Co., Ltd."]
    static let chineseStreets = ["No. 88 Chouzhou North Road", "Building 3, No. 16 Industrial Avenue", "Room 1203, Block B, Huaqiang Plaza",
                                 "3F, No. 25 Xinhe Road", "Unit 508, Jinfeng Business Center", "No. 7 Gongye 2nd Road"]

    /// US suppliers: name and street; city lines come from `usCities`.
    static let usSuppliers = ["Pacific Coast Supply LLC", "Midwest Packaging Inc.", "Blue Ridge Wholesale Co.", "Summit Home Goods Inc.",
                              "Lakeshore Distribution LLC", "Redwood Trading Company", "Keystone Merchandise Group", "Sunbelt Importers Inc."]
    static let usStreets = ["1450 Industrial Pkwy", "2270 E Francis St", "600 Commerce Dr, Suite 120", "9 Harbor Way", "3801 W Lake Ave"]
    static let usCities = ["Ontario, CA 91761", "Edison, NJ 08817", "Columbus, OH 43228", "Dallas, TX 75247", "Atlanta, GA 30336",
                           "Kent, WA 98032"]

    /// EU suppliers: name, street, postcode and city, country, country code, VAT rate in percent,
    /// telephone country code, web domain.
    static let euSuppliers: [(name: String, street: String, city: String, country: String, code: String, vat: Int, dial: String, domain: String)] = [
        ("Müller Haushaltswaren GmbH", "Industriestraße 12", "70565 Stuttgart", "Germany", "DE", 19, "49", "mueller-haushaltswaren.de"),
        ("Van Dijk Trading B.V.", "Havenweg 45", "3014 AB Rotterdam", "Netherlands", "NL", 21, "31", "vandijktrading.nl"),
        ("Rossi Forniture S.r.l.", "Via Emilia 221", "40133 Bologna BO", "Italy", "IT", 22, "39", "rossiforniture.it"),
        ("Lefèvre Distribution SARL", "12 Rue de l'Industrie", "69007 Lyon", "France", "FR", 20, "33", "lefevre-distribution.fr"),
        ("Nordhavn Home ApS", "Sundkaj 9", "2150 Nordhavn", "Denmark", "DK", 25, "45", "nordhavnhome.dk"),
        ("Kowalski Hurt Sp. z o.o.", "ul. Przemysłowa 7", "60-101 Poznań", "Poland", "PL", 23, "48", "kowalski-hurt.pl"),
        ("Fernández Suministros S.L.", "Calle de Alcalá 155", "28009 Madrid", "Spain", "ES", 21, "34", "fernandezsuministros.es"),
    ]

    /// Sellers billed: name, street, city line.
    static let sellers: [(name: String, street: String, city: String)] = [
        ("Brightway Goods LLC", "2100 Lakeside Blvd, Suite 310", "Richardson, TX 75082"),
        ("Nestfield Brands Inc.", "88 Pine Street, Floor 4", "New York, NY 10005"),
        ("Trailpeak Outfitters LLC", "455 W 2nd Ave", "Denver, CO 80223"),
        ("Hollow Oak Home Co.", "1200 NW Naito Pkwy", "Portland, OR 97209"),
        ("Sunnyvale Kitchen Supply LLC", "710 E Evelyn Ave", "Sunnyvale, CA 94086"),
        ("Quillbrook Living Inc.", "25 Thorndike St", "Cambridge, MA 02141"),
    ]

    /// Amazon fulfilment centres a purchase order ships to.
    static let fulfilmentCentres: [(code: String, street: String, city: String)] = [
        ("ONT8", "24300 Nandina Ave", "Moreno Valley, CA 92551"),
        ("ABE8", "401 Independence Rd", "Florence, NJ 08518"),
        ("MDW2", "250 Emerald Dr", "Joliet, IL 60433"),
        ("FTW1", "33333 LBJ Fwy", "Dallas, TX 75241"),
    ]
}
