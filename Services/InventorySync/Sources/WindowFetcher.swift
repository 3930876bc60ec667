import Foundation
import OpsideAmazonSPAPI

/// What a fetcher hands the engine for one window: how many pages (or documents) it read, and
/// how to stage its rows inside the window's transaction.
struct FetchedWindow: Sendable {
    let pages: Int
    let stage: @Sendable (StagingSession) async throws -> Void
}

/// What a fetcher works with: the run, the connection's SP-API client and marketplaces, and a
/// way to announce each page read (the realtime progress).
struct WindowFetchContext: Sendable {
    let arguments: SyncJobArguments
    let api: SellingPartnerAPI
    let marketplaces: [String]
    /// Called with the pages read so far in the window.
    let pageRead: @Sendable (Int) async -> Void
}

/// Reads one window of one dataset from Amazon's API. One per kind of source (reports,
/// finances, orders, inventory, inbound); the engine commits what it returns.
protocol WindowFetcher: Sendable {
    /// - Returns: the window's rows, or nil when the dataset cannot be fetched this way (the
    ///   window is then skipped, as before the split).
    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow?
}
