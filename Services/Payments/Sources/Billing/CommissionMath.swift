import Foundation

/// The commission arithmetic, on integers of minor units only.
///
/// A line's commission is not the rate times its own amount rounded on its own: that drifts by
/// up to half a minor unit per line. It is the change the line makes to the rounded commission
/// on everything recovered at that rate and currency:
///
///     commission = round(rate × (recoveredBefore + recovered)) − round(rate × recoveredBefore)
///
/// so a tenant's commissions always add up to exactly round(rate × total recovered), and a
/// reversal brings the total back to what it would be had the reversed money never come.
public enum CommissionMath {
    /// `rate × amount`, the rate in basis points (2000 = 20 %), rounded half away from zero.
    public static func commission(onTotal amountMinor: Int64, basisPoints: Int) -> Int64 {
        precondition((0...10_000).contains(basisPoints), "a rate is between 0 and 10000 basis points")
        // |amount| × 10000 stays far inside Int64 for any amount Amazon can pay (< 9.2e14 minor units).
        let product = amountMinor.magnitude * UInt64(basisPoints)
        let rounded = Int64((product + 5_000) / 10_000)
        return amountMinor < 0 ? -rounded : rounded
    }

    /// The commission of a line that adds `recoveredMinor` to `recoveredBeforeMinor` already
    /// recovered at the same rate and currency.
    public static func lineCommission(recoveredMinor: Int64, recoveredBeforeMinor: Int64, basisPoints: Int) -> Int64 {
        commission(onTotal: recoveredBeforeMinor + recoveredMinor, basisPoints: basisPoints)
            - commission(onTotal: recoveredBeforeMinor, basisPoints: basisPoints)
    }
}
