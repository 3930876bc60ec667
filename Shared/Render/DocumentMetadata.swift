import Foundation

/// What a PDF says about itself in its information dictionary.
///
/// `date` is written as both the creation and the modification date. It comes from the model,
/// never from the clock, so the same model renders to the same bytes.
public struct DocumentMetadata: Sendable, Hashable, Codable {
    public var title: String
    public var author: String
    public var subject: String?
    public var keywords: String?
    public var creator: String?
    public var date: Date

    public init(title: String, author: String, subject: String? = nil, keywords: String? = nil, creator: String? = "Opside", date: Date) {
        self.title = title
        self.author = author
        self.subject = subject
        self.keywords = keywords
        self.creator = creator
        self.date = date
    }

    /// `date` in the form cairo wants: ISO 8601 in UTC, `YYYY-MM-DDThh:mm:ssZ`.
    var cairoDate: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let value = value ?? 0; return value < 10 ? "0\(value)" : "\(value)" }
        let year = String(parts.year ?? 1970)
        return "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))Z"
    }
}
