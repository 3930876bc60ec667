import Foundation
import OpsideTesting
import Testing

/// `TestProcess`, which every test that runs a program goes through: its exit status, a signal's
/// number, its output and errors apart, its environment, and a program outliving its limit killed
/// and said so.
@Suite struct TestProcessTests {
    @Test func statusOutputErrorsAndEnvironmentComeBackAsTheProgramLeftThem() async throws {
        let shell = URL(fileURLWithPath: "/bin/sh")
        let ran = try await TestProcess.run(shell, ["-c", #"printf 'out %s' "$GREETING"; printf 'err' >&2; exit 3"#],
                                            environment: ["GREETING": "hello"])
        #expect(ran.status == 3 && ran.output == "out hello" && ran.error == "err")
        let signalled = try await TestProcess.run(shell, ["-c", "kill -TERM $$"])
        #expect(signalled.status == SIGTERM)
        let reading = try await TestProcess.run(shell, ["-c", "cat"])
        #expect(reading.status == 0 && reading.output.isEmpty, "standard input is empty, so nothing waits on it")
    }

    /// The program would sleep ten minutes: this test ends because it is killed.
    @Test(.timeLimit(.minutes(1))) func aProgramOutlivingItsLimitIsKilledAndTheTestToldSo() async throws {
        let error = await #expect(throws: HarnessError.self) {
            try await TestProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo waiting >&2; exec sleep 600"], timeout: .milliseconds(500))
        }
        #expect(String(describing: error).contains("did not end within") && String(describing: error).contains("waiting"),
                "\(String(describing: error))")
    }
}
