// /api/schedules/preview: what a schedule means and when it fires next, before it is saved.
#include <chrono>

#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"
#include "jobs/schedule_expression.h"

namespace xcr::jobs {

net::HttpResponse DaemonApi::PreviewSchedule(const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  FieldErrors errors;
  std::string cron, timezone = "UTC";
  int64_t count = 5;
  for (const auto& [key, value] : body->items()) {
    if (key == "cron" && value.is_string()) {
      cron = value.get<std::string>();
    } else if (key == "timezone" && value.is_string()) {
      timezone = value.get<std::string>();
    } else if (key == "count" && value.is_number_integer() && value.get<int64_t>() >= 1 &&
               value.get<int64_t>() <= 100) {
      count = value.get<int64_t>();
    } else if (key == "cron" || key == "timezone") {
      errors.push_back({key, "must be a string"});
    } else if (key == "count") {
      errors.push_back({key, "must be an integer from 1 to 100"});
    } else {
      errors.push_back({key, "unknown field"});
    }
  }
  if (cron.empty() && errors.empty()) errors.push_back({"cron", "required: cron or calendar text"});
  std::optional<ScheduleExpression> expr;
  if (!cron.empty()) {
    auto parsed = ScheduleExpression::Parse(cron);
    if (parsed.ok()) {
      expr = std::move(*parsed);
    } else {
      errors.push_back({"cron", parsed.status().message()});
    }
  }
  auto zone = FindTimeZone(timezone);
  if (!zone.ok()) errors.push_back({"timezone", zone.status().message()});
  if (!errors.empty()) return FieldErrorResponse("the schedule is invalid", errors);

  nlohmann::json next = nlohmann::json::array();
  auto at =
      std::chrono::floor<std::chrono::seconds>(std::chrono::sys_time<std::chrono::microseconds>(
          std::chrono::microseconds(env_->NowUnixMicros())));
  for (int64_t i = 0; i < count; ++i) {
    auto n = expr->NextAfter(at, **zone);
    if (!n.ok()) break;
    at = *n;
    next.push_back(TimeJson(
        std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count()));
  }
  return JsonResponse(200, {{"description", expr->Describe()}, {"next", next}});
}

}  // namespace xcr::jobs
