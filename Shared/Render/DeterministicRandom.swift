import Foundation

/// SplitMix64: a small, seedable generator, so one seed gives the same "scan" noise, rotation and
/// sample documents on every machine and every run (Foundation's generator is neither seedable
/// nor portable). Kept inside OpsideRender so the library has no dependency beyond cairo/pango.
public struct DeterministicRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for a sub-task, so adding draws in one part of a generator does not
    /// shift every value drawn after it in another.
    public func derived(_ salt: UInt64) -> DeterministicRandom {
        var copy = DeterministicRandom(seed: state ^ (salt &* 0xD6E8_FEB8_6659_FD93))
        _ = copy.next()
        return copy
    }

    /// A value in `0..<upperBound` (modulo bias is irrelevant at these sizes).
    public mutating func below(_ upperBound: Int) -> Int { Int(next() % UInt64(max(1, upperBound))) }

    /// A value in the closed range `low...high`.
    public mutating func between(_ low: Int, _ high: Int) -> Int { low + below(high - low + 1) }

    /// A value in `0..<1`.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    /// A value in `low..<high`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One element of a non-empty array.
    public mutating func pick<Element>(_ elements: [Element]) -> Element { elements[below(elements.count)] }

    /// A standard normal value (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-12)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// An uppercase alphanumeric string.
    public mutating func code(_ length: Int, alphabet: String = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") -> String {
        let characters = Array(alphabet)
        return String((0..<length).map { _ in characters[below(characters.count)] })
    }

    /// A string of decimal digits.
    public mutating func digits(_ length: Int) -> String { code(length, alphabet: "0123456789") }
}
