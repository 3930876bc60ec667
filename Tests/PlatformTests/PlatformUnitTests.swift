import Foundation
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Testing

@Suite struct CronScheduleTests {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func stepsRangesAndWeekdaysFindTheNextMinute() throws {
        #expect(try CronSchedule("*/15 * * * *").next(after: Self.date("2026-11-22T10:07:30Z")) == Self.date("2026-11-22T10:15:00Z"))
        #expect(try CronSchedule("0 3 * * 1").next(after: Self.date("2026-11-22T10:00:00Z")) == Self.date("2026-11-23T03:00:00Z"),
                "2026-11-23 is a Monday")
        #expect(try CronSchedule("30 9-17/4 * * *").next(after: Self.date("2026-11-22T13:31:00Z")) == Self.date("2026-11-22T17:30:00Z"))
        #expect(try CronSchedule("@daily").next(after: Self.date("2026-12-31T23:59:00Z")) == Self.date("2027-01-01T00:00:00Z"))
        #expect(try CronSchedule("@every 30s").next(after: Self.date("2026-11-22T10:00:10Z")) == Self.date("2026-11-22T10:00:30Z"))
        #expect(try CronSchedule("0 12 31 * *").next(after: Self.date("2026-11-22T10:00:00Z")) == Self.date("2026-12-31T12:00:00Z"),
                "November has no 31st")
        #expect(try CronSchedule("0 0 * * 0").next(after: Self.date("2026-11-22T10:00:00Z")) == Self.date("2026-11-29T00:00:00Z"),
                "2026-11-22 is a Sunday, already past midnight")
        #expect(try CronSchedule("0 6 29 2 *").next(after: Self.date("2027-06-01T00:00:00Z")) == Self.date("2028-02-29T06:00:00Z"),
                "the next leap day")
    }

    @Test func malformedExpressionsAreRefusedWithTheField() {
        #expect(throws: CronScheduleError.self) { try CronSchedule("61 * * * *") }
        #expect(throws: CronScheduleError.self) { try CronSchedule("* * *") }
        #expect(throws: CronScheduleError.self) { try CronSchedule("@every 10x") }
        do {
            _ = try CronSchedule("0 25 * * *")
            Issue.record("hour 25 was accepted")
        } catch let error as CronScheduleError {
            #expect(error.description.contains("hour"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneJSONObjectWithSortedKeysAndEscapedValues() throws {
        let bytes = JSONLogHandler.line(timestamp: "2026-11-22T19:00:55.575Z", level: .warning, service: "main-api", logger: "opside",
                                        message: "said \"hi\"\n\tthen\u{1}left \\ ünïcode",
                                        metadata: ["requestId": "abc", "msg": "must not replace the message", "count": "3"])
        #expect(!bytes.contains(0x0A), "one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
        #expect(object == ["ts": "2026-11-22T19:00:55.575Z", "level": "warning", "service": "main-api", "logger": "opside",
                           "msg": "said \"hi\"\n\tthen\u{1}left \\ ünïcode", "requestId": "abc", "count": "3"])
        let text = String(decoding: bytes, as: UTF8.self)
        let keyOrder = ["count", "level", "logger", "msg", "requestId", "service", "ts"].map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(keyOrder == keyOrder.sorted(), "keys in byte order: \(text)")
    }

    @Test func timestampsAreUTCToTheMillisecond() throws {
        let stamp = JSONLogHandler.timestamp()
        #expect(stamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(stamp)")
        let parsed = try Date(stamp, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }
}

@Suite struct RetryPolicyTests {
    @Test func defaultBackoffIsAttemptToTheFourthCappedAtSixHours() {
        let policy = RetryPolicy.standard
        #expect(policy.delay(afterAttempt: 1, random: 0) == 1)
        #expect(policy.delay(afterAttempt: 2, random: 0) == 16)
        #expect(policy.delay(afterAttempt: 3, random: 0) == 81)
        #expect(policy.delay(afterAttempt: 20, random: 0) == 6 * 3600)
        #expect(policy.delay(afterAttempt: 3, random: 1) == 81 * 1.1)
        #expect(policy.delay(afterAttempt: 3, random: -1) == 81 * 0.9)
    }
}

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE t (a text DEFAULT 'x;y');
            /* block; comment */
            DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$;
            SELECT "odd;name" FROM t WHERE a = 'it''s; fine';
            SELECT $1;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4, "\(statements)")
        #expect(statements[0].hasSuffix("DEFAULT 'x;y')"))
        #expect(statements[1].contains("PERFORM 1; PERFORM 2; END $body$"))
        #expect(statements[2].hasSuffix("'it''s; fine'"))
        #expect(statements[3] == "SELECT $1")
    }
}

@Suite struct ServiceTokenTests {
    @Test func tokensAreAddressedShortLivedAndSigned() async throws {
        let secret = "unit-test-secret-that-is-long-enough-123456"
        let mainAPI = await ServiceTokenAuthority(secret: secret, service: .mainAPI)
        let payments = await ServiceTokenAuthority(secret: secret, service: .payments)
        let tenant = UUID()
        let token = try await mainAPI.token(for: .payments, tenantID: tenant)
        let claims = try await payments.verify(token)
        #expect(claims.issuer == "main-api")
        #expect(claims.tenantID == tenant)
        #expect(claims.exp.value.timeIntervalSince(claims.iat.value) <= 60)

        let integrations = await ServiceTokenAuthority(secret: secret, service: .integrations)
        await #expect(throws: (any Error).self, "a token for payments is refused by integrations") {
            _ = try await integrations.verify(token)
        }
        let tampered = String(token.dropLast(2)) + (token.hasSuffix("AA") ? "BB" : "AA")
        await #expect(throws: (any Error).self) { _ = try await payments.verify(tampered) }
    }

    @Test func configurationNamesTheMissingVariable() throws {
        let error = ConfigurationError(key: "security.serviceTokenSecret", reason: "is required and was not set")
        #expect(error.description.contains("SECURITY_SERVICE_TOKEN_SECRET"))
        #expect(OpsideConfiguration.environmentName(for: "jobs.pollIntervalMilliseconds") == "JOBS_POLL_INTERVAL_MILLISECONDS")
    }
}
