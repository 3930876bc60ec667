import Crypto
import Foundation
import OpsideAWS
import Testing

@testable import CostDocs

/// The signer against the worked examples AWS publishes for S3 ("Authenticating Requests: Using
/// the Authorization Header (AWS Signature Version 4)", Examples): the same credentials, time,
/// requests and expected signatures. A signature that matches all four cannot be an accident, and
/// one that is off by any step of the algorithm (canonical path, query order, header folding, key
/// derivation) fails here rather than as a 403 from a real bucket.
@Suite struct AWSRequestSignerTests {
    /// AWS's example credentials and time (2013-05-24T00:00:00Z) from that page.
    let signer = AWSRequestSigner(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                 region: "us-east-1")
    let exampleTime = Date(timeIntervalSince1970: 1_369_353_600)
    let host = "examplebucket.s3.amazonaws.com"

    private func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "authorization" }?.value
    }

    @Test func theExampleTimeIsTheDocumentedTimestamp() {
        #expect(AWSRequestSigner.timestamp(exampleTime) == "20130524T000000Z")
    }

    @Test func getObjectWithARangeMatchesAWSsExample() {
        let headers = signer.sign(method: "GET", path: "/test.txt", headers: [("Host", host), ("Range", "bytes=0-9")],
                                  payloadSHA256: AWSRequestSigner.emptyPayloadSHA256, date: exampleTime)
        #expect(authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.contains { $0.name == "x-amz-date" && $0.value == "20130524T000000Z" })
        #expect(headers.contains { $0.name == "x-amz-content-sha256" && $0.value == AWSRequestSigner.emptyPayloadSHA256 })
    }

    @Test func putObjectWithAnEncodedKeyAndASignedPayloadMatchesAWSsExample() {
        let payload = Data("Welcome to Amazon S3.".utf8)
        let payloadHash = ContentKey.of(payload).hex
        #expect(payloadHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let headers = signer.sign(method: "PUT", path: "/test$file.text",
                                  headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("Host", host), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                  payloadSHA256: payloadHash, date: exampleTime)
        #expect(authorization(headers)?.hasSuffix(
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == true)
        // The `$` is encoded in the canonical path: the step where hand-written signers usually go wrong.
        let canonical = signer.canonicalRequest(method: "PUT", path: "/test$file.text", query: [], headers: [("host", host)], payloadSHA256: payloadHash)
        #expect(canonical.request.hasPrefix("PUT\n/test%24file.text\n\n"))
    }

    @Test func aQueryParameterWithoutAValueMatchesAWSsLifecycleExample() {
        let headers = signer.sign(method: "GET", path: "/", query: [("lifecycle", "")], headers: [("Host", host)],
                                  payloadSHA256: AWSRequestSigner.emptyPayloadSHA256, date: exampleTime)
        #expect(authorization(headers)?.hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == true)
    }

    @Test func queryParametersAreSortedAsInAWSsListObjectsExample() {
        // Given out of order: the canonical query must sort them.
        let headers = signer.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [("Host", host)],
                                  payloadSHA256: AWSRequestSigner.emptyPayloadSHA256, date: exampleTime)
        #expect(authorization(headers)?.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test(arguments: [
        ("a b", false, "a%20b"), ("a+b=c&d", false, "a%2Bb%3Dc%26d"), ("a/b", true, "a/b"), ("a/b", false, "a%2Fb"),
        ("A-z_0.9~", false, "A-z_0.9~"), ("é", false, "%C3%A9"), ("100%", false, "100%25"),
    ])
    func encodingKeepsOnlyUnreservedCharacters(input: String, keepingSlashes: Bool, expected: String) {
        #expect(AWSRequestSigner.uriEncode(input, keepingSlashes: keepingSlashes) == expected)
    }

    @Test func theSecretStaysOutOfDescriptions() {
        #expect(!String(describing: signer).contains("wJalrXUtnFEMI"))
        var dumped = ""
        dump(signer, to: &dumped)
        #expect(!dumped.contains("wJalrXUtnFEMI"))
        #expect(dumped.contains("AKIAIOSFODNN7EXAMPLE"))
    }
}

/// The `<Error>` documents S3 answers with, read into typed errors.
@Suite struct S3ErrorResponseTests {
    @Test func codeAndMessageAreReadWithEntitiesDecoded() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match &amp; &lt;so on&gt;</Message>\
            <RequestId>1</RequestId></Error>
            """
        let answer = try #require(S3ErrorResponse(xml: body))
        #expect(answer.code == "SignatureDoesNotMatch")
        #expect(answer.message == "The request signature we calculated does not match & <so on>")
        #expect(answer.error(status: 403, sha256: nil, bucket: "b") == .signatureMismatch(message: answer.message))
    }

    @Test func noSuchKeyBecomesNotFoundForTheHashAskedFor() throws {
        let answer = try #require(S3ErrorResponse(xml: "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"))
        let hash = String(repeating: "ab", count: 32)
        #expect(answer.error(status: 404, sha256: hash, bucket: "b") == .notFound(sha256: hash))
    }

    @Test func aBodyWithoutACodeIsNotAnErrorDocument() {
        #expect(S3ErrorResponse(xml: "") == nil)
        #expect(S3ErrorResponse(xml: "<html>Bad Gateway</html>") == nil)
    }
}
