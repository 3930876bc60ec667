import Foundation

/// A run as JUnit XML (the `testsuites` format CI servers read): one `testsuite` per suite, one
/// `testcase` per case, a `failure` with the reason for a failed case, `skipped` for a skipped one.
enum JUnitReport {
    static func xml(_ run: TestRun) -> String {
        let results = run.results ?? []
        let seconds = { (milliseconds: Int) in String(format: "%.3f", Double(milliseconds) / 1000) }
        let total = results.reduce(0) { $0 + $1.durationMilliseconds }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="opside test-runner \#(escape(run.runId.uuidString.lowercased()))" tests="\#(results.count)" "#
            + #"failures="\#(run.failed)" skipped="\#(run.skipped)" errors="\#(run.status == .error ? 1 : 0)" time="\#(seconds(total))""#
            + #" timestamp="\#(escape((run.startedAt ?? run.requestedAt).formatted(.iso8601)))">"# + "\n"
        for suite in run.suites {
            let cases = results.filter { $0.suite == suite }
            let time = cases.reduce(0) { $0 + $1.durationMilliseconds }
            xml += #"  <testsuite name="\#(escape(suite))" tests="\#(cases.count)" failures="\#(cases.count { $0.outcome == .failed })" "#
                + #"skipped="\#(cases.count { $0.outcome == .skipped })" time="\#(seconds(time))">"# + "\n"
            for result in cases {
                let className = "\(suite).\(result.service ?? "suite")"
                xml += #"    <testcase classname="\#(escape(className))" name="\#(escape(result.name))" time="\#(seconds(result.durationMilliseconds))""#
                switch result.outcome {
                case .passed:
                    xml += "/>\n"
                case .failed:
                    let message = result.message ?? "failed"
                    xml += ">\n" + #"      <failure message="\#(escape(String(message.prefix(300))))">\#(escape(message))</failure>"# + "\n    </testcase>\n"
                case .skipped:
                    xml += ">\n" + #"      <skipped message="\#(escape(result.message ?? "skipped"))"/>"# + "\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        if let error = run.error {
            xml += #"  <testsuite name="run" tests="1" failures="0" errors="1"><testcase name="the run finishes" classname="run">"#
                + #"<error message="\#(escape(error))"/></testcase></testsuite>"# + "\n"
        }
        return xml + "</testsuites>\n"
    }

    /// Text and attribute values with XML's five special characters escaped and the characters
    /// XML 1.0 cannot carry at all (control characters but tab and newlines) dropped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && !(0xFFFE...0xFFFF).contains(scalar.value) { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }
}
