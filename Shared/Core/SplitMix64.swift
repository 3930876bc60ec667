/// SplitMix64: a small, fast, seedable generator, so a seed always gives the same sequence on every
/// machine (Foundation's random is neither seedable nor portable): the sandbox's seller histories,
/// and the synthetic data of tests and benchmarks.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<upperBound` (modulo bias is irrelevant at these sizes).
    public mutating func below(_ upperBound: Int) -> Int { Int(next() % UInt64(max(1, upperBound))) }

    /// A value in the closed range.
    public mutating func between(_ low: Int, _ high: Int) -> Int { low + below(high - low + 1) }

    /// A value in `0..<1`.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An uppercase alphanumeric string.
    public mutating func code(_ length: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: length)
        for index in 0..<length { bytes[index] = Self.alphabet[below(Self.alphabet.count)] }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
}
