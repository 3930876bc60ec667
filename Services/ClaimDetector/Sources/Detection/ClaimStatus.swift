/// Where a claim stands as of a day.
///
/// The first three follow from the claim's window and the day alone; `resolved` and `dismissed`
/// are outcomes: a claim that later nets to zero (units found, Amazon paid) is resolved with the
/// reason, one the seller waves off is dismissed with theirs. Neither is ever deleted.
public enum ClaimStatus: String, CaseIterable, Codable, Sendable {
    /// Inside Amazon's automatic-reimbursement grace, or before the claim's window opens.
    case tooEarly = "too_early"
    case claimable
    /// The window closed: the claim stays visible and is never filed.
    case expired
    case resolved
    case dismissed
}
