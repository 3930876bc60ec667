import Foundation

// MARK: Reports 2021-06-30 (reports_2021-06-30.json)

public struct CreateReportSpecification: Codable, Sendable {
    public var reportType: String
    public var marketplaceIds: [String]
    public var dataStartTime: String?
    public var dataEndTime: String?
    public var reportOptions: [String: String]?

    public init(reportType: String, marketplaceIDs: [String], dataStartTime: String? = nil, dataEndTime: String? = nil,
                reportOptions: [String: String]? = nil) {
        self.reportType = reportType
        self.marketplaceIds = marketplaceIDs
        self.dataStartTime = dataStartTime
        self.dataEndTime = dataEndTime
        self.reportOptions = reportOptions
    }
}

public struct CreateReportResponse: Codable, Sendable {
    public let reportId: String
}

public struct Report: Codable, Sendable {
    public let marketplaceIds: [String]?
    public let reportId: String
    public let reportType: String
    public let dataStartTime: String?
    public let dataEndTime: String?
    public let reportScheduleId: String?
    public let createdTime: String
    /// `IN_QUEUE`, `IN_PROGRESS`, `DONE`, `CANCELLED` or `FATAL`.
    public let processingStatus: String
    public let processingStartTime: String?
    public let processingEndTime: String?
    public let reportDocumentId: String?
}

public struct GetReportsResponse: Codable, Sendable {
    public let reports: [Report]
    public let nextToken: String?
}

public struct ReportDocument: Codable, Sendable {
    public let reportDocumentId: String
    /// Pre-signed; expires after five minutes.
    public let url: String
    /// Only ever `GZIP` when present.
    public let compressionAlgorithm: String?
}

public struct CreateReportScheduleSpecification: Codable, Sendable {
    public var reportType: String
    public var marketplaceIds: [String]
    public var reportOptions: [String: String]?
    /// ISO 8601 period, `PT5M` … `P1M`.
    public var period: String
    public var nextReportCreationTime: String?

    public init(reportType: String, marketplaceIDs: [String], period: String, reportOptions: [String: String]? = nil,
                nextReportCreationTime: String? = nil) {
        self.reportType = reportType
        self.marketplaceIds = marketplaceIDs
        self.period = period
        self.reportOptions = reportOptions
        self.nextReportCreationTime = nextReportCreationTime
    }
}

public struct CreateReportScheduleResponse: Codable, Sendable {
    public let reportScheduleId: String
}

public struct ReportSchedule: Codable, Sendable {
    public let reportScheduleId: String
    public let reportType: String
    public let marketplaceIds: [String]?
    public let reportOptions: [String: String]?
    public let period: String
    public let nextReportCreationTime: String?
}

public struct ReportScheduleList: Codable, Sendable {
    public let reportSchedules: [ReportSchedule]
}

extension SellingPartnerAPI {
    public func createReport(_ specification: CreateReportSpecification) async throws -> CreateReportResponse {
        try await call(CreateReportResponse.self, method: .POST, path: "/reports/2021-06-30/reports", body: specification,
                       operation: SPAPIOperations.reports("createReport"))
    }

    public func getReport(reportID: String) async throws -> Report {
        try await call(Report.self, method: .GET, path: "/reports/2021-06-30/reports/\(SPAPIPath.encode(reportID))",
                       operation: SPAPIOperations.reports("getReport"))
    }

    /// One page of `getReports`. A follow-up call sends ONLY `nextToken` (any other parameter
    /// makes Amazon refuse it).
    public func getReports(reportTypes: [String] = [], processingStatuses: [String] = [], marketplaceIDs: [String] = [],
                           createdSince: String? = nil, pageSize: Int? = nil, nextToken: String? = nil) async throws -> GetReportsResponse {
        var query: [(String, String)] = []
        if let nextToken {
            query.append(("nextToken", nextToken))
        } else {
            if !reportTypes.isEmpty { query.append(("reportTypes", reportTypes.joined(separator: ","))) }
            if !processingStatuses.isEmpty { query.append(("processingStatuses", processingStatuses.joined(separator: ","))) }
            if !marketplaceIDs.isEmpty { query.append(("marketplaceIds", marketplaceIDs.joined(separator: ","))) }
            if let createdSince { query.append(("createdSince", createdSince)) }
            if let pageSize { query.append(("pageSize", String(pageSize))) }
        }
        return try await call(GetReportsResponse.self, method: .GET, path: "/reports/2021-06-30/reports", query: query,
                              operation: SPAPIOperations.reports("getReports"))
    }

    /// Every page of `getReports`.
    public func allReports(reportTypes: [String] = [], processingStatuses: [String] = [], createdSince: String? = nil) -> SPAPIPages<GetReportsResponse> {
        pages(fetch: { try await getReports(reportTypes: reportTypes, processingStatuses: processingStatuses, createdSince: createdSince, nextToken: $0) },
              nextToken: { $0.nextToken })
    }

    /// Cancels a report that is still `IN_QUEUE`.
    public func cancelReport(reportID: String) async throws {
        _ = try await send(method: .DELETE, path: "/reports/2021-06-30/reports/\(SPAPIPath.encode(reportID))",
                           operation: SPAPIOperations.reports("cancelReport"))
    }

    public func getReportDocument(reportDocumentID: String) async throws -> ReportDocument {
        try await call(ReportDocument.self, method: .GET, path: "/reports/2021-06-30/documents/\(SPAPIPath.encode(reportDocumentID))",
                       operation: SPAPIOperations.reports("getReportDocument"))
    }

    public func createReportSchedule(_ specification: CreateReportScheduleSpecification) async throws -> CreateReportScheduleResponse {
        try await call(CreateReportScheduleResponse.self, method: .POST, path: "/reports/2021-06-30/schedules", body: specification,
                       operation: SPAPIOperations.reports("createReportSchedule"))
    }

    public func getReportSchedules(reportTypes: [String]) async throws -> ReportScheduleList {
        try await call(ReportScheduleList.self, method: .GET, path: "/reports/2021-06-30/schedules",
                       query: [("reportTypes", reportTypes.joined(separator: ","))],
                       operation: SPAPIOperations.reports("getReportSchedules"))
    }

    public func getReportSchedule(reportScheduleID: String) async throws -> ReportSchedule {
        try await call(ReportSchedule.self, method: .GET, path: "/reports/2021-06-30/schedules/\(SPAPIPath.encode(reportScheduleID))",
                       operation: SPAPIOperations.reports("getReportSchedule"))
    }

    public func cancelReportSchedule(reportScheduleID: String) async throws {
        _ = try await send(method: .DELETE, path: "/reports/2021-06-30/schedules/\(SPAPIPath.encode(reportScheduleID))",
                           operation: SPAPIOperations.reports("cancelReportSchedule"))
    }
}
