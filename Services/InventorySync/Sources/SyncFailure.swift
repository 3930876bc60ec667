import Foundation
import OpsideAmazonAccess
import OpsideAmazonAds
import OpsideAmazonSPAPI
import OpsidePostgres
import OpsideTransport

/// The ways a sync can fail, each with its own handling: transient failures are retried
/// with backoff, permanent ones mark the dataset failed with the reason (and alert an
/// operator), authorization failures flag the connection for re-authorization, and a
/// disconnected connection (the vault's 409 `connection_disconnected`) is permanent too: the
/// run is cancelled and the connection stops syncing, even before `amazon.disconnected` arrives.
enum SyncFailure: Equatable {
    case transient(String)
    case permanent(String)
    case authorization(String)
    case disconnected(String)

    var kind: String {
        switch self {
        case .transient: "transient"
        case .permanent: "permanent"
        case .authorization: "authorization"
        case .disconnected: "disconnected"
        }
    }

    var message: String {
        switch self {
        case .transient(let text), .permanent(let text), .authorization(let text), .disconnected(let text): text
        }
    }

    static func classify(_ error: any Error) -> SyncFailure {
        switch error {
        case let error as AmazonAccessError:
            switch error {
            case .needsReauthorization: return .authorization(error.description)
            case .connectionNotFound: return .permanent(error.description)
            case .disconnected: return .disconnected(error.description)
            case .unavailable: return .transient(error.description)
            }
        case let error as SPAPIError:
            switch error {
            case .authorization(let lwa):
                if lwa.needsReauthorization { return .authorization(error.description) }
                return lwa.code == "unreachable" || (lwa.status ?? 0) >= 500 ? .transient(error.description) : .permanent(error.description)
            case .api(_, let status, _, _):
                // 401/403 after the client already refreshed the token once: the seller's grant is gone.
                if status == 401 || status == 403 { return .authorization(error.description) }
                if status == 408 || status == 429 { return .transient(error.description) }
                return .permanent(error.description)
            case .throttled, .serverError, .transport, .decoding:
                return .transient(error.description)
            }
        case let error as ReportError:
            switch error {
            case .fatal, .missingHeader, .malformedRow, .documentTooLarge: return .permanent(error.description)
            case .timedOut, .downloadFailed, .corruptCompression: return .transient(error.description)
            }
        case let error as AdsAccessError:
            // The Ads authorization is the seller's to renew, apart from SP-API's: the run fails
            // saying so, and the connection itself stays as it is.
            switch error {
            case .notConnected, .needsReauthorization, .connectionNotFound: return .permanent(error.description)
            case .unavailable: return .transient(error.description)
            }
        case let error as AmazonAdsError:
            switch error {
            case .throttled, .timedOut, .reportFailed: return .transient(error.description)
            case .api(let status, _, _):
                return status == 408 || status == 429 || status >= 500 ? .transient(error.description) : .permanent(error.description)
            case .invalidRange, .unreadable: return .permanent(error.description)
            }
        case let error as LoadError:
            return .permanent(error.description)
        case let error as DatabaseError:
            return .transient(error.description)
        default:
            return .transient(String(describing: error))
        }
    }
}
