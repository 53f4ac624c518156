#include "xapi/http_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

// --- FindResponseHeadEnd -------------------------------------------------------------------

TEST(HttpResponseHeadEndTest, IncompleteHeadIsZero) {
  for (std::string_view data :
       {"", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nA: b\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n\r", "HTTP/1.1 200 OK\n"}) {
    ASSERT_OK_AND_ASSIGN(size_t end, FindResponseHeadEnd(data));
    EXPECT_EQ(end, 0u) << "'" << data << "'";
  }
}

TEST(HttpResponseHeadEndTest, CrlfCrlfEndsTheHeadAndBodyBytesAreNotCounted) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  ASSERT_OK_AND_ASSIGN(size_t end, FindResponseHeadEnd(head));
  EXPECT_EQ(end, head.size());
  ASSERT_OK_AND_ASSIGN(end, FindResponseHeadEnd(head + "hello"));
  EXPECT_EQ(end, head.size());
  // A body that itself holds a blank line does not move the end.
  ASSERT_OK_AND_ASSIGN(end, FindResponseHeadEnd(head + "a\r\n\r\nb\n\nc"));
  EXPECT_EQ(end, head.size());
}

TEST(HttpResponseHeadEndTest, LfLfFromLenientServers) {
  std::string head = "HTTP/1.0 200 OK\nContent-Length: 5\n\n";
  ASSERT_OK_AND_ASSIGN(size_t end, FindResponseHeadEnd(head + "hello"));
  EXPECT_EQ(end, head.size());
  ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead(head));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.content_length, 5u);
}

TEST(HttpResponseHeadEndTest, HeadOfExactlyTheMaximumIsAccepted) {
  std::string prefix = "HTTP/1.1 200 OK\r\nX-Pad: ";
  std::string suffix = "\r\n\r\n";
  std::string head =
      prefix + std::string(kMaxResponseHead - prefix.size() - suffix.size(), 'a') + suffix;
  ASSERT_EQ(head.size(), kMaxResponseHead);
  ASSERT_OK_AND_ASSIGN(size_t end, FindResponseHeadEnd(head + "body"));
  EXPECT_EQ(end, kMaxResponseHead);
}

TEST(HttpResponseHeadEndTest, LongerThanTheMaximumIsRefused) {
  std::string data = "HTTP/1.1 200 OK\r\nX-Pad: ";
  data.resize(kMaxResponseHead - 1, 'a');
  ASSERT_OK_AND_ASSIGN(size_t end, FindResponseHeadEnd(data));
  EXPECT_EQ(end, 0u) << "one byte short of the maximum, the head may still end";
  data.push_back('a');
  EXPECT_STATUS(FindResponseHeadEnd(data), StatusCode::kCorruption);
  // The end arrives, but too late.
  EXPECT_STATUS(FindResponseHeadEnd(data + "\r\n\r\n"), StatusCode::kCorruption);
}

// --- ParseResponseHead: status line --------------------------------------------------------

TEST(HttpResponseParseTest, StatusLineVariants) {
  struct Case {
    std::string head;
    int status;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"HTTP/1.1 200 OK\r\n\r\n", 200, "OK"},
           {"HTTP/1.0 404 Not Found\r\n\r\n", 404, "Not Found"},
           {"HTTP/1.1 500 Internal Server Error\r\n\r\n", 500, "Internal Server Error"},
           {"HTTP/1.1 204\r\n\r\n", 204, ""},
           {"HTTP/1.1 302 \r\n\r\n", 302, ""},
           {"HTTP/1.1 200 OK\n\n", 200, "OK"},
       }) {
    ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead(c.head));
    EXPECT_EQ(h.status, c.status) << c.head;
    EXPECT_EQ(h.reason, c.reason) << c.head;
    EXPECT_TRUE(h.headers.empty()) << c.head;
    EXPECT_FALSE(h.content_length.has_value()) << c.head;
    EXPECT_FALSE(h.chunked) << c.head;
  }
}

TEST(HttpResponseParseTest, BadStatusLinesAreCorruption) {
  for (std::string_view head : {
           "\r\n\r\n",
           "hello\r\n\r\n",
           "HTTP/2 200 OK\r\n\r\n",
           "HTTP/2.0 200 OK\r\n\r\n",
           "ICY 200 OK\r\n\r\n",
           "http/1.1 200 OK\r\n\r\n",
           "HTTP/1.1 20 OK\r\n\r\n",
           "HTTP/1.1 2000 OK\r\n\r\n",
           "HTTP/1.1 abc OK\r\n\r\n",
           "HTTP/1.1  200 OK\r\n\r\n",
           "HTTP/1.1\r\n\r\n",
       }) {
    EXPECT_STATUS(ParseResponseHead(head), StatusCode::kCorruption) << "'" << head << "'";
  }
}

TEST(HttpResponseParseTest, MinorVersionMustBeADigit) {
  for (std::string_view head : {"HTTP/1.x 200 OK\r\n\r\n", "HTTP/1.- 200 OK\r\n\r\n"}) {
    EXPECT_STATUS(ParseResponseHead(head), StatusCode::kCorruption) << "'" << head << "'";
  }
}

TEST(HttpResponseParseTest, BadStatusLineMessageShowsItPrintably) {
  Result<ResponseHead> r = ParseResponseHead(std::string("\x01\xff junk\r\n\r\n", 10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  for (char c : r.status().message()) {
    EXPECT_TRUE(c >= 32 && c <= 126) << "unprintable byte in: " << r.status().message();
  }
  EXPECT_NE(r.status().message().find("junk"), std::string::npos) << r.status().message();
}

// --- ParseResponseHead: headers ------------------------------------------------------------

TEST(HttpResponseParseTest, HeaderNamesLowerCasedValuesTrimmedOrderKept) {
  ASSERT_OK_AND_ASSIGN(ResponseHead h,
                       ParseResponseHead("HTTP/1.1 302 Found\r\n"
                                         "Location:   https://10.0.0.2/export_raw_vdi?x=1 \t\r\n"
                                         "X-MiXeD-Case:value\r\n"
                                         "Set-Cookie: a=1\r\n"
                                         "X-Empty:\r\n"
                                         "Set-Cookie: b=2\r\n"
                                         "\r\n"));
  EXPECT_EQ(h.status, 302);
  EXPECT_EQ(h.reason, "Found");
  std::vector<std::pair<std::string, std::string>> want = {
      {"location", "https://10.0.0.2/export_raw_vdi?x=1"},
      {"x-mixed-case", "value"},
      {"set-cookie", "a=1"},
      {"x-empty", ""},
      {"set-cookie", "b=2"},
  };
  EXPECT_EQ(h.headers, want);
  EXPECT_EQ(h.Header("location"), "https://10.0.0.2/export_raw_vdi?x=1");
  EXPECT_EQ(h.Header("set-cookie"), "a=1") << "the first value";
  EXPECT_EQ(h.Header("x-mixed-case"), "value");
  EXPECT_EQ(h.Header("x-absent"), "");
  EXPECT_EQ(h.Header("x-empty"), "");
}

TEST(HttpResponseParseTest, LfOnlyHeadersParse) {
  ASSERT_OK_AND_ASSIGN(ResponseHead h,
                       ParseResponseHead("HTTP/1.1 200 OK\nContent-Type: text/plain\nA: b\n\n"));
  EXPECT_EQ(h.Header("content-type"), "text/plain");
  EXPECT_EQ(h.Header("a"), "b");
}

TEST(HttpResponseParseTest, HeaderLineWithoutNameIsCorruption) {
  EXPECT_STATUS(ParseResponseHead("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"),
                StatusCode::kCorruption);
  EXPECT_STATUS(ParseResponseHead("HTTP/1.1 200 OK\r\n: no name\r\n\r\n"), StatusCode::kCorruption);
}

// --- Content-Length ------------------------------------------------------------------------

TEST(HttpResponseParseTest, ContentLength) {
  ASSERT_OK_AND_ASSIGN(ResponseHead h,
                       ParseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 123\r\n\r\n"));
  EXPECT_EQ(h.content_length, 123u);
  EXPECT_FALSE(h.chunked);
  ASSERT_OK_AND_ASSIGN(h, ParseResponseHead("HTTP/1.1 200 OK\r\ncontent-length:0\r\n\r\n"));
  EXPECT_EQ(h.content_length, 0u);
  // A disk of some TiB, as an export of a large VDI would announce.
  ASSERT_OK_AND_ASSIGN(
      h, ParseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 2199023255552\r\n\r\n"));
  EXPECT_EQ(h.content_length, uint64_t{2199023255552});
  // The largest 19-digit value still fits in 64 bits.
  ASSERT_OK_AND_ASSIGN(
      h, ParseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n"));
  EXPECT_EQ(h.content_length, uint64_t{9999999999999999999u});
  ASSERT_OK_AND_ASSIGN(h, ParseResponseHead("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_FALSE(h.content_length.has_value());
}

TEST(HttpResponseParseTest, BadContentLengthIsCorruption) {
  for (std::string_view value :
       {"", "abc", "-1", "+5", "12 34", "0x10", "1.5", "5,5", "18446744073709551616",
        "99999999999999999999", "123456789012345678901234567890"}) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::string(value) + "\r\n\r\n";
    EXPECT_STATUS(ParseResponseHead(head), StatusCode::kCorruption) << "'" << value << "'";
  }
}

TEST(HttpResponseParseTest, DuplicateContentLength) {
  ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead("HTTP/1.1 200 OK\r\n"
                                                         "Content-Length: 42\r\n"
                                                         "Content-Length: 42\r\n\r\n"));
  EXPECT_EQ(h.content_length, 42u);
  EXPECT_STATUS(ParseResponseHead("HTTP/1.1 200 OK\r\n"
                                  "Content-Length: 42\r\n"
                                  "Content-Length: 43\r\n\r\n"),
                StatusCode::kCorruption);
}

// --- Transfer-Encoding ---------------------------------------------------------------------

TEST(HttpResponseParseTest, TransferEncodingChunkedAndIdentity) {
  struct Case {
    std::string value;
    bool chunked;
  };
  for (const Case& c : std::vector<Case>{{"chunked", true},
                                         {"Chunked", true},
                                         {"  CHUNKED  ", true},
                                         {"gzip, chunked", true},
                                         {"gzip,chunked", true},
                                         {"identity", false}}) {
    std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: " + c.value + "\r\n\r\n";
    ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead(head));
    EXPECT_EQ(h.chunked, c.chunked) << c.value;
    EXPECT_FALSE(h.content_length.has_value()) << c.value;
  }
}

TEST(HttpResponseParseTest, UnsupportedTransferEncodingIsCorruption) {
  for (std::string_view value : {"gzip", "chunked, gzip", "deflate", "compress", "x-custom"}) {
    std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: " + std::string(value) + "\r\n\r\n";
    EXPECT_STATUS(ParseResponseHead(head), StatusCode::kCorruption) << "'" << value << "'";
  }
}

TEST(HttpResponseParseTest, ChunkedWinsOverContentLength) {
  for (std::string_view head : {"HTTP/1.1 200 OK\r\n"
                                "Content-Length: 100\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n",
                                "HTTP/1.1 200 OK\r\n"
                                "Transfer-Encoding: chunked\r\n"
                                "Content-Length: 100\r\n\r\n"}) {
    ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead(head));
    EXPECT_TRUE(h.chunked);
    EXPECT_FALSE(h.content_length.has_value());
  }
  // Identity leaves the length in force.
  ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead("HTTP/1.1 200 OK\r\n"
                                                         "Transfer-Encoding: identity\r\n"
                                                         "Content-Length: 100\r\n\r\n"));
  EXPECT_FALSE(h.chunked);
  EXPECT_EQ(h.content_length, 100u);
}

TEST(HttpResponseParseTest, ParsesWhatFindResponseHeadEndDelimits) {
  std::string data =
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbodyHTTP/1.1 500 X\r\n";
  ASSERT_OK_AND_ASSIGN(size_t end, FindResponseHeadEnd(data));
  ASSERT_GT(end, 0u);
  ASSERT_OK_AND_ASSIGN(ResponseHead h, ParseResponseHead(data.substr(0, end)));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.content_length, 4u);
  EXPECT_EQ(h.Header("connection"), "close");
  EXPECT_EQ(data.substr(end, 4), "body");
}

// --- ChunkedDecoder ------------------------------------------------------------------------

// Feeds `piece` to `d` and returns the payload bytes it yielded.
Result<std::string> Feed(ChunkedDecoder& d, std::string_view piece) {
  std::vector<uint8_t> buf(piece.begin(), piece.end());
  XCR_ASSIGN_OR_RETURN(size_t n, d.Decode(buf.data(), buf.size()));
  if (n > buf.size()) return Status::Internal("Decode returned more bytes than it was given");
  return std::string(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n));
}

// Feeds `body` cut at `cuts` (ascending offsets) and returns the whole payload.
Result<std::string> FeedCut(ChunkedDecoder& d, std::string_view body,
                            const std::vector<size_t>& cuts) {
  std::string out;
  size_t at = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(body.size());
  for (size_t end : ends) {
    XCR_ASSIGN_OR_RETURN(std::string part, Feed(d, body.substr(at, end - at)));
    out += part;
    at = end;
  }
  return out;
}

// Two chunks with extensions, a chunk whose payload holds CRLFs and hex-looking bytes, upper and
// lower case hex sizes, a last chunk with an extension and two trailer fields.
const std::string kBody =
    "4\r\nWiki\r\n"
    "5;name=value\r\npedia\r\n"
    "e; a=\"quoted;x\"\r\n in\r\n\r\nchunks.\r\n"
    "A\r\n0\r\n\r\n01234\r\n"
    "0;last\r\n"
    "X-Checksum: abc\r\n"
    "Y: z\r\n"
    "\r\n";
const std::string kPayload = "Wikipedia in\r\n\r\nchunks.0\r\n\r\n01234";

TEST(HttpChunkedDecoderTest, DecodesWholeBody) {
  ChunkedDecoder d;
  EXPECT_FALSE(d.done());
  ASSERT_OK_AND_ASSIGN(std::string out, Feed(d, kBody));
  EXPECT_EQ(out, kPayload);
  EXPECT_TRUE(d.done());
}

TEST(HttpChunkedDecoderTest, OneByteAtATimeAndDoneOnlyAfterTheFinalEmptyLine) {
  ChunkedDecoder d;
  std::string out;
  for (size_t i = 0; i < kBody.size(); ++i) {
    EXPECT_FALSE(d.done()) << "done before byte " << i << " of " << kBody.size();
    ASSERT_OK_AND_ASSIGN(std::string part, Feed(d, kBody.substr(i, 1)));
    out += part;
  }
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, kPayload);
}

TEST(HttpChunkedDecoderTest, EverySplitPointGivesTheSamePayload) {
  for (size_t i = 0; i <= kBody.size(); ++i) {
    ChunkedDecoder d;
    ASSERT_OK_AND_ASSIGN(std::string out, FeedCut(d, kBody, {i}));
    EXPECT_EQ(out, kPayload) << "split at " << i;
    EXPECT_TRUE(d.done()) << "split at " << i;
  }
}

TEST(HttpChunkedDecoderTest, EveryPairOfSplitPointsGivesTheSamePayload) {
  for (size_t i = 0; i <= kBody.size(); ++i) {
    for (size_t j = i; j <= kBody.size(); ++j) {
      ChunkedDecoder d;
      ASSERT_OK_AND_ASSIGN(std::string out, FeedCut(d, kBody, {i, j}));
      ASSERT_EQ(out, kPayload) << "split at " << i << " and " << j;
      ASSERT_TRUE(d.done()) << "split at " << i << " and " << j;
    }
  }
}

TEST(HttpChunkedDecoderTest, LargeChunkInUnevenPieces) {
  std::string payload(300000, '\0');
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  // 0x30d40 = 200000, 0x186A0 = 100000.
  std::string body = "30d40\r\n" + payload.substr(0, 200000) + "\r\n" + "186A0\r\n" +
                     payload.substr(200000) + "\r\n0\r\n\r\n";
  std::vector<size_t> cuts;
  for (size_t at = 1, step = 1; at < body.size(); step = step * 3 % 65521 + 1, at += step) {
    cuts.push_back(at);
  }
  ChunkedDecoder d;
  ASSERT_OK_AND_ASSIGN(std::string out, FeedCut(d, body, cuts));
  EXPECT_TRUE(out == payload) << "payload differs (" << out.size() << " bytes)";
  EXPECT_TRUE(d.done());
}

TEST(HttpChunkedDecoderTest, EmptyBodyAndEmptyCalls) {
  ChunkedDecoder d;
  ASSERT_OK_AND_ASSIGN(std::string out, Feed(d, ""));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(d.done());
  ASSERT_OK_AND_ASSIGN(out, Feed(d, "0\r\n"));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(d.done()) << "the empty line after the last chunk is still to come";
  ASSERT_OK_AND_ASSIGN(out, Feed(d, "\r"));
  EXPECT_FALSE(d.done());
  ASSERT_OK_AND_ASSIGN(out, Feed(d, "\n"));
  EXPECT_TRUE(d.done());
}

TEST(HttpChunkedDecoderTest, NotDoneBeforeTheTrailerEnds) {
  for (std::string_view body :
       {"5\r\nhello\r\n", "5\r\nhello\r\n0", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n",
        "5\r\nhello\r\n0\r\nX: y\r\n\r", "5\r\nhel"}) {
    ChunkedDecoder d;
    ASSERT_OK(Feed(d, body)) << body;
    EXPECT_FALSE(d.done()) << "'" << body << "'";
  }
}

TEST(HttpChunkedDecoderTest, BytesAfterTheEndAreCorruption) {
  {
    ChunkedDecoder d;
    EXPECT_STATUS(Feed(d, "5\r\nhello\r\n0\r\n\r\nX"), StatusCode::kCorruption);
  }
  {
    ChunkedDecoder d;
    ASSERT_OK(Feed(d, "5\r\nhello\r\n0\r\n\r\n"));
    ASSERT_TRUE(d.done());
    EXPECT_STATUS(Feed(d, "5\r\nhello\r\n"), StatusCode::kCorruption);
  }
}

TEST(HttpChunkedDecoderTest, ChunkLongerThanItsSizeIsCorruption) {
  ChunkedDecoder d;
  EXPECT_STATUS(Feed(d, "3\r\nhello\r\n0\r\n\r\n"), StatusCode::kCorruption);
  // The same, the extra byte arriving in a later call.
  ChunkedDecoder d2;
  ASSERT_OK(Feed(d2, "3\r\nhel"));
  EXPECT_STATUS(Feed(d2, "l"), StatusCode::kCorruption);
}

TEST(HttpChunkedDecoderTest, MissingOrBadSizeIsCorruption) {
  for (std::string_view body : {"\r\nhello\r\n0\r\n\r\n", "xyz\r\nhello\r\n", ";ext\r\nhello\r\n",
                                "5\r\nhello\r\n\r\n0\r\n\r\n", "5x\r\nhello\r\n", "-5\r\nhello\r\n",
                                "5\rXhello\r\n", "10000000000000000\r\n"}) {
    ChunkedDecoder d;
    EXPECT_STATUS(Feed(d, body), StatusCode::kCorruption) << "'" << body << "'";
  }
}

}  // namespace
}  // namespace xcr::xapi
