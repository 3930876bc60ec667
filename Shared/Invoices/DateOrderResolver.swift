import Foundation

/// Settles a day/month-ambiguous date (`05/03/2026`) from evidence in the document: another
/// numeric date whose day is above 12, the supplier's country, a `.` separator (European), or
/// a day-first currency. With none, the ambiguity is reported.
enum DateOrderResolver {
    static let dayFirstCountries: [String] = [
        "united kingdom", "england", "scotland", "uk", "u.k.", "great britain", "germany", "deutschland", "france", "italy",
        "italia", "spain", "españa", "espana", "netherlands", "nederland", "belgium", "belgique", "austria", "österreich",
        "switzerland", "schweiz", "suisse", "poland", "polska", "portugal", "ireland", "sweden", "sverige", "denmark",
        "norway", "finland", "czech republic", "czechia", "australia", "new zealand", "india", "vietnam", "viet nam",
        "thailand", "indonesia", "malaysia", "singapore", "hong kong", "pakistan", "bangladesh", "turkey", "türkiye",
        "brazil", "brasil", "mexico", "méxico", "south africa", "egypt", "united arab emirates", "uae", "israel",
        "sri lanka", "cambodia", "greece", "hungary", "romania", "portugal",
    ]
    static let monthFirstCountries: [String] = ["united states", "usa", "u.s.a.", "u.s.", "united states of america"]
    static let usStates: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
        "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
        "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
    ]
    static let dayFirstCurrencies: Set<String> = ["EUR", "GBP", "AUD", "NZD", "INR", "PLN", "CZK", "HUF", "SEK", "DKK", "NOK",
                                                  "CHF", "TRY", "BRL", "MXN", "ZAR", "VND", "THB", "IDR", "MYR", "SGD", "HKD"]

    struct Resolution {
        var dayFirst: Bool?
        var reason: String
    }

    /// Which reading to keep for an ambiguous date.
    static func resolve(separator: Character?, otherDates: [DateMatch], supplierText: [String], currency: String?) -> Resolution {
        let orders = otherDates.compactMap { match -> Bool? in
            if case .ordered(_, let dayFirst) = match.reading, match.numericSeparator == separator { return dayFirst }
            return nil
        }
        if let first = orders.first, orders.allSatisfy({ $0 == first }) {
            return Resolution(dayFirst: first, reason: "another date on the document reads only \(first ? "day" : "month") first")
        }
        let text = " " + supplierText.joined(separator: " ").lowercased() + " "
        let dayFirstCountry = dayFirstCountries.first { text.contains(" \($0) ") || text.contains(" \($0),") || text.contains(" \($0).") }
        var monthFirstCountry = monthFirstCountries.first { text.contains(" \($0) ") || text.contains(" \($0),") || text.contains(" \($0).") }
        if monthFirstCountry == nil {
            // "Austin, TX 78701": a US state and ZIP code.
            let words = supplierText.joined(separator: " ").split(separator: " ").map { String($0).trimmingCharacters(in: [",", "."]) }
            for index in words.indices.dropLast() where usStates.contains(words[index]) {
                let zip = words[index + 1]
                if zip.count == 5 || zip.count == 10, zip.prefix(5).allSatisfy(\.isNumber) { monthFirstCountry = "a US address"; break }
            }
        }
        switch (dayFirstCountry, monthFirstCountry) {
        case let (country?, nil): return Resolution(dayFirst: true, reason: "the supplier's address is in \(country.capitalized), which writes the day first")
        case let (nil, country?): return Resolution(dayFirst: false, reason: "the supplier's address is in \(country == "a US address" ? country : country.uppercased()), which writes the month first")
        default: break
        }
        if separator == "." { return Resolution(dayFirst: true, reason: "dates written with dots (05.03.2026) put the day first") }
        if let currency, dayFirstCurrencies.contains(currency) {
            return Resolution(dayFirst: true, reason: "the document is in \(currency), whose countries write the day first")
        }
        return Resolution(dayFirst: nil, reason: "nothing on the document says whether the day or the month comes first")
    }
}
