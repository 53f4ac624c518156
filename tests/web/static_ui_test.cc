// The embedded UI: the files are there, with their types; nothing outside the table answers,
// whatever the path looks like.
#include "web/static_ui.h"

#include <gtest/gtest.h>

namespace xcr::web {
namespace {

net::HttpRequest Get(const std::string& target) {
  net::HttpRequest req;
  req.method = "GET";
  req.target = target;
  net::ParseTarget(target, &req.path, &req.query);
  return req;
}

std::string HeaderOf(const net::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(StaticUi, ServesTheEmbeddedFilesWithTheirTypes) {
  StaticUi ui;
  net::HttpResponse index = ui.Handle(Get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(HeaderOf(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"/js/app.js\">"), std::string::npos);
  EXPECT_EQ(ui.Handle(Get("/index.html")).body, index.body);
  EXPECT_EQ(HeaderOf(ui.Handle(Get("/js/app.js")), "Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(ui.Handle(Get("/style.css?v=2")), "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(HeaderOf(ui.Handle(Get("/favicon.svg")), "Content-Type"), "image/svg+xml");
}

TEST(StaticUi, EveryEmbeddedFileIsServedWhole) {
  StaticUi ui;
  ASSERT_GE(UiAssets().size(), 5u);
  for (const EmbeddedAsset& a : UiAssets()) {
    net::HttpResponse r = ui.Handle(Get(std::string("/") + a.name));
    EXPECT_EQ(r.status, 200) << a.name;
    EXPECT_EQ(r.body, std::string(reinterpret_cast<const char*>(a.data), a.size)) << a.name;
    EXPECT_NE(ContentTypeFor(a.name), "application/octet-stream") << a.name;
  }
}

TEST(StaticUi, PathTraversalAndUnknownNamesAre404) {
  StaticUi ui;
  for (const char* target :
       {"/../../etc/passwd", "/js/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/js/%2e%2e/index.html", "//etc/passwd", "/js//app.js", "/js\\app.js", "/./index.html",
        "/index.html%00.js", "/etc/passwd", "/JS/APP.JS", "/js/", "/js", "/CMakeLists.txt",
        "/..%2f..%2fetc%2fpasswd"}) {
    net::HttpResponse r = ui.Handle(Get(target));
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
  }
}

TEST(StaticUi, RevalidationAndMethods) {
  StaticUi ui;
  net::HttpResponse first = ui.Handle(Get("/"));
  std::string etag = HeaderOf(first, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(HeaderOf(first, "Cache-Control"), "no-cache");
  net::HttpRequest again = Get("/");
  again.headers["if-none-match"] = etag;
  net::HttpResponse r = ui.Handle(again);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  net::HttpRequest post = Get("/");
  post.method = "POST";
  EXPECT_EQ(ui.Handle(post).status, 405);
}

}  // namespace
}  // namespace xcr::web
