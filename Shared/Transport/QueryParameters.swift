import Hummingbird

/// Query parameters read with their range checked at the edge, so a number a client made up
/// never reaches a conversion that traps or a query that scans without bound.
public enum QueryParameters {
    /// The integer parameter `name`, or `default` when it is absent.
    /// - Throws: 422 with the envelope when it is not an integer in `range`.
    public static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.validation("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)",
                                      details: [name: "out of range"])
        }
        return number
    }
}
