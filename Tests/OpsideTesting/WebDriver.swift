import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Debian's headless Chromium driven through its WebDriver (`chromedriver`, W3C protocol over
/// HTTP): the browser tests click, type and read pages as a person does, and keep a screenshot of
/// every page they visit.
public final class WebBrowser: @unchecked Sendable {
    private let driver: ChildProcess
    private let driverURL: String
    private let session: String
    private let profile: URL
    /// Where the screenshots go (one PNG per `screenshot` call, numbered in order).
    public let screenshots: URL
    private var shots = 0
    public let name: String

    /// Starts chromedriver on a free port and a headless Chromium with a profile of its own.
    /// - Parameter screenshots: the run's folder; each browser writes into a subfolder of its name.
    public static func start(name: String, screenshots: URL, width: Int = 1280, height: Int = 900) async throws -> WebBrowser {
        guard let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first(where: FileManager.default.isExecutableFile)
        else { throw HarnessError("chromedriver is missing: deploy/test installs Debian's chromium-driver") }
        let port = try TestEnvironment.freePort()
        let driver = try ChildProcess.spawn([chromedriver, "--port=\(port)"])
        let driverURL = "http://127.0.0.1:\(port)"
        let ready = try await eventually(timeout: .seconds(20)) {
            (try? await TestHTTP.request(.GET, driverURL + "/status", timeout: .seconds(2)))?.status == 200
        }
        guard ready else {
            driver.stop()
            throw HarnessError("chromedriver did not start on port \(port)")
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("opside-chromium-\(UUID().uuidString)")
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:loggingPrefs": ["browser": "ALL"],
            "goog:chromeOptions": [
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--window-size=\(width),\(height)", "--user-data-dir=\(profile.path)", "--lang=en-GB"],
            ] as [String: Any],
        ] as [String: Any]]]
        let reply = try await command(driverURL, .POST, "/session", capabilities)
        guard let session = (reply as? [String: Any])?["sessionId"] as? String else {
            driver.stop()
            throw HarnessError("chromedriver started no session: \(String(describing: reply))")
        }
        let folder = screenshots.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return WebBrowser(driver: driver, driverURL: driverURL, session: session, profile: profile, screenshots: folder, name: name)
    }

    private init(driver: ChildProcess, driverURL: String, session: String, profile: URL, screenshots: URL, name: String) {
        self.driver = driver
        self.driverURL = driverURL
        self.session = session
        self.profile = profile
        self.screenshots = screenshots
        self.name = name
    }

    /// Ends the browser, then its driver, and removes the profile.
    public func quit() async {
        _ = try? await Self.command(driverURL, .DELETE, "/session/\(session)", nil)
        driver.stop()
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: The protocol

    /// One WebDriver command; its `value`, or the driver's error as a thrown `HarnessError`.
    @discardableResult
    static func command(_ base: String, _ method: HTTPMethod, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        let json = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let reply = try await TestHTTP.request(method, base + path, json: json ?? (method == .POST ? "{}" : nil), timeout: .seconds(60))
        let object = try JSONSerialization.jsonObject(with: reply.body, options: [.fragmentsAllowed]) as? [String: Any]
        let value = object?["value"]
        if reply.status != 200 {
            let error = value as? [String: Any]
            throw HarnessError("webdriver \(method) \(path): \(error?["error"] ?? reply.status) \(String(describing: error?["message"] ?? "").prefix(300))")
        }
        return value is NSNull ? nil : value
    }

    @discardableResult
    func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.command(driverURL, method, "/session/\(session)" + path, body)
    }

    // MARK: What a person does

    public func open(_ url: String) async throws {
        try await command(.POST, "/url", ["url": url])
    }

    /// Loads the page again, as the browser's reload button does (and waits for it to load).
    public func reload() async throws {
        try await command(.POST, "/refresh")
    }

    public var url: String {
        get async throws { try await command(.GET, "/url") as? String ?? "" }
    }

    /// The first element `css` matches, waiting up to `timeout` for it to appear.
    public func element(_ css: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try? await command(.POST, "/element", ["using": "css selector", "value": css]) as? [String: Any],
               let id = found.values.first as? String {
                return id
            }
            if ContinuousClock.now > deadline { throw HarnessError("no element matches \(css) on \(try await url)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    public func count(_ css: String) async throws -> Int {
        (try await command(.POST, "/elements", ["using": "css selector", "value": css]) as? [Any])?.count ?? 0
    }

    public func type(_ css: String, _ text: String) async throws {
        let id = try await element(css)
        try await command(.POST, "/element/\(id)/clear")
        try await command(.POST, "/element/\(id)/value", ["text": text])
    }

    public func click(_ css: String) async throws {
        try await command(.POST, "/element/\(try await element(css))/click")
    }

    public func select(_ css: String, value: String) async throws {
        try await click("\(css) option[value=\"\(value)\"]")
    }

    public func text(_ css: String) async throws -> String {
        try await command(.GET, "/element/\(try await element(css))/text") as? String ?? ""
    }

    public func attribute(_ css: String, _ name: String) async throws -> String? {
        try await command(.GET, "/element/\(try await element(css))/attribute/\(name)") as? String
    }

    /// Runs `script` (a function body; `arguments[0]`… are `arguments`) in the page; what it returns.
    public func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.POST, "/execute/sync", ["script": script, "args": arguments])
    }

    /// Runs `script` whose last argument is the callback it calls with its answer (a fetch, say).
    public func runAsync(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.POST, "/execute/async", ["script": script, "args": arguments])
    }

    /// Waits until `script` returns true in the page.
    public func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ script: String) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? await run(script)) as? Bool == true { return }
            if ContinuousClock.now > deadline {
                try? await screenshot("timed-out-\(what.replacingOccurrences(of: " ", with: "-"))")
                throw HarnessError("timed out waiting for \(what) on \(try await url)")
            }
            try await Task.sleep(for: .milliseconds(150))
        }
    }

    /// Accepts the page's `confirm()` dialog once it shows.
    public func acceptDialog(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? await command(.POST, "/alert/accept")) != nil || ContinuousClock.now > deadline { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Writes a PNG of what the window shows now: `NN-<name>.png`.
    @discardableResult
    public func screenshot(_ name: String) async throws -> URL {
        guard let base64 = try await command(.GET, "/screenshot") as? String, let png = Data(base64Encoded: base64) else {
            throw HarnessError("the browser gave no screenshot")
        }
        shots += 1
        let file = screenshots.appendingPathComponent(String(format: "%02d-%@.png", shots, name))
        try png.write(to: file)
        return file
    }

    /// The console's messages since the last call (errors the page's script or policy raised).
    public func consoleErrors() async throws -> [String] {
        let entries = try await command(.POST, "/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { $0["level"] as? String == "SEVERE" }.compactMap { $0["message"] as? String }
    }
}
