import Foundation

/// Runs the scripts of `Tests/Clients/` with the open-source clients sellers and developers
/// really use (python-amazon-sp-api, stripe-python), pinned in `Tests/Clients/requirements.txt`.
public enum ClientScripts {
    /// The repository root: this file is `Tests/OpsideTesting/ClientScripts.swift`.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The python that has the clients: deploy/test's `OPSIDE_TEST_PYTHON`, else the virtualenv
    /// deploy/test makes under .run/, else a failure that says how to get it.
    public static func python() throws -> URL {
        let candidates = [ProcessInfo.processInfo.environment["OPSIDE_TEST_PYTHON"],
                          root.appendingPathComponent(".run/clients-venv/bin/python").path].compactMap { $0 }
        guard let found = candidates.first(where: { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError("""
                The client libraries are not installed. Run the tests through deploy/test, which installs \
                Tests/Clients/requirements.txt into .run/clients-venv and exports OPSIDE_TEST_PYTHON; or by hand: \
                python3 -m venv .run/clients-venv && .run/clients-venv/bin/pip install -r Tests/Clients/requirements.txt
                """)
        }
        return URL(fileURLWithPath: found)
    }

    /// Runs `Tests/Clients/<script>` with `settings` (written to a JSON file, its one argument) in
    /// a temporary HOME of its own, and returns what it printed; throws with its stderr when it fails.
    public static func run(_ script: String, settings: [String: Any]) async throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-clients-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let settingsFile = folder.appendingPathComponent("settings.json")
        try JSONSerialization.data(withJSONObject: settings).write(to: settingsFile)
        // Its own HOME: the libraries look for credentials files under ~/.config.
        let run = try await TestProcess.run(try python(), [root.appendingPathComponent("Tests/Clients/\(script)").path, settingsFile.path],
                                            environment: ["HOME": folder.path, "XDG_CONFIG_HOME": folder.path,
                                                          "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"],
                                            timeout: .seconds(600))
        guard run.status == 0 else { throw HarnessError("\(script) exited with status \(run.status):\n\(run.error)") }
        return run.outputData
    }
}
