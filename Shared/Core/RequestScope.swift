/// Values that follow a unit of work across awaits: the request id of the HTTP request (or the
/// job) being served, so logs and outbound calls carry it without threading it by hand.
public enum RequestScope {
    @TaskLocal public static var requestID: String?
}
