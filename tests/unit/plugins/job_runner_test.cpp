// JobRunner with the real V8 engine and tests/fixtures/wasm/extism/jobs.c, whose job_start / job_run /
// job_stop each POST their input to a counting loopback server this test starts. No timing assertions: tests
// wait (up to 10 s) for calls to be seen, and check their order and counts.
#include "plugins/job_runner.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugins/plugin_runtime.h"
#include "wasm/engine/v8/v8_engine.h"

#ifndef WASMGATE_EXTISM_FIXTURES_DIR
#error "WASMGATE_EXTISM_FIXTURES_DIR must point at the built Extism fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Answers 200 to every request on 127.0.0.1:<ephemeral> and records each request's path and body, in order.
class CountingServer {
 public:
  CountingServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 64);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CountingServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  std::string url(const std::string& prefix) const {
    return "http://127.0.0.1:" + std::to_string(port_) + prefix;
  }
  int count(const std::string& path) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [p, body] : seen_) n += p == path;
    return n;
  }
  std::vector<std::string> paths() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [p, body] : seen_) out.push_back(p);
    return out;
  }
  std::string last_body(const std::string& path) const {
    std::lock_guard lock(mu_);
    for (auto it = seen_.rbegin(); it != seen_.rend(); ++it) {
      if (it->first == path) return it->second;
    }
    return {};
  }

 private:
  void serve() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::string data;
      char buffer[4096];
      std::size_t need = std::string::npos;
      while (need == std::string::npos || data.size() < need) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
        const auto end = data.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          const auto cl = data.find("Content-Length: ");
          need = end + 4 + (cl != std::string::npos && cl < end ? std::stoul(data.substr(cl + 16)) : 0);
        }
      }
      const auto sp = data.find(' ');
      const std::string path = data.substr(sp + 1, data.find(' ', sp + 1) - sp - 1);
      const auto end = data.find("\r\n\r\n");
      {
        std::lock_guard lock(mu_);
        seen_.emplace_back(path, end == std::string::npos ? "" : data.substr(end + 4));
      }
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> seen_;
};

engine::Engine& shared_engine() {
  static std::unique_ptr<engine::Engine> engine = engine::create_v8_engine();
  return *engine;
}

std::string jobs_wasm() {
  return std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/jobs.wasm";
}

// A WasmConfig running jobs.wasm that reports to `url`.
json::object wasm_config(const std::string& url, const std::string& function = "") {
  json::object config{{"source", {{"kind", "File"}, {"path", jobs_wasm()}, {"opts", json::object{}}}},
                      {"memoryPages", 20},
                      {"allowedHosts", json::array{"127.0.0.1"}},
                      {"config", {{"url", url}}}};
  if (!function.empty()) config["functionName"] = function;
  return config;
}

json::object job_slot(json::object job_config, bool enabled = true) {
  return json::object{
      {"plugin", "cp:otoroshi.next.plugins.WasmJob"}, {"enabled", enabled}, {"config", job_config}};
}

json::object every(const std::string& unique_id, json::object config, int interval_ms) {
  return json::object{{"unique_id", unique_id},
                      {"kind", "ScheduledEvery"},
                      {"interval", interval_ms},
                      {"config", std::move(config)}};
}

model::GlobalConfig global_with(json::array slots, json::object plugins_config_extra = {}) {
  json::object plugins_config = std::move(plugins_config_extra);
  plugins_config["ng"] = std::move(slots);
  auto parsed = model::parse_global_config(json::object{{"plugins", {{"config", plugins_config}}}});
  EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.error().message);
  return parsed ? std::move(*parsed) : model::GlobalConfig{};
}

const PluginLookup kNoEntities = [](std::string_view) -> const model::WasmPlugin* { return nullptr; };

// Waits up to 10 s for `done`.
bool eventually(const std::function<bool()>& done) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

class JobRunnerTest : public ::testing::Test {
 protected:
  std::optional<JobStatus> status_of(const std::string& unique_id) const {
    for (auto& s : runner_->status()) {
      if (s.unique_id == unique_id) return s;
    }
    return std::nullopt;
  }

  CountingServer server_;
  PluginRuntime runtime_{shared_engine()};
  std::unique_ptr<JobRunner> runner_ = std::make_unique<JobRunner>(runtime_);
};

TEST(WasmJobConfig, ReadsUniqueIdScheduleAndWasmConfig) {
  auto parsed = parse_wasm_job_config(every("j1", wasm_config("http://x"), 250), "ng[0].config");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->unique_id, "j1");
  EXPECT_EQ(parsed->schedule.kind(), core::JobKind::ScheduledEvery);
  EXPECT_EQ(parsed->schedule.interval(), 250ms);
  EXPECT_EQ(parsed->config.source.path, jobs_wasm());
  EXPECT_EQ(parsed->instantiation, "OneInstancePerOtoroshiInstance");
}

TEST(WasmJobConfig, ErrorsNameTheKey) {
  auto no_id = parse_wasm_job_config(json::object{{"kind", "Cron"}}, "ng[0].config");
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.error().code, Errc::BadRequest);
  EXPECT_EQ(no_id.error().message, "ng[0].config.unique_id: required non-empty string");

  auto bad_cron = parse_wasm_job_config(
      json::object{{"unique_id", "c"}, {"kind", "Cron"}, {"cron_expression", "0 0 25 * * ?"}},
      "ng[1].config");
  ASSERT_FALSE(bad_cron.ok());
  EXPECT_EQ(bad_cron.error().message.rfind("ng[1].config.cron_expression: ", 0), 0u)
      << bad_cron.error().message;

  auto bad_wasm =
      parse_wasm_job_config(json::object{{"unique_id", "w"}, {"config", {{"memoryPages", "x"}}}}, "p");
  ASSERT_FALSE(bad_wasm.ok());
  EXPECT_EQ(bad_wasm.error().message.rfind("p.config.memoryPages", 0), 0u) << bad_wasm.error().message;
}

TEST_F(JobRunnerTest, IntervalJobStartsOnceRunsAndStopsWhenRemoved) {
  runner_->sync(global_with({job_slot(every("e", wasm_config(server_.url("/e")), 20))}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/e/run") >= 3; })) << server_.count("/e/run");
  EXPECT_EQ(server_.count("/e/start"), 1);
  EXPECT_EQ(server_.paths().front(), "/e/start");

  runner_->sync(global_with({}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/e/stop") == 1; }));
  const int runs = server_.count("/e/run");
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(server_.count("/e/run"), runs);  // job_stop is the job's last call
  EXPECT_EQ(server_.paths().back(), "/e/stop");
  EXPECT_TRUE(runner_->status().empty());
}

TEST_F(JobRunnerTest, CallsGetSnowflakeAttrsAndGlobalConfig) {
  runner_->sync(global_with({job_slot(every("g", wasm_config(server_.url("/g")), 20))}, {{"team", "a"}}),
                kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/g/run") >= 1; }));
  const json::object input = json::parse(server_.last_body("/g/run")).as_object();
  EXPECT_TRUE(input.at("snowflake").is_string());
  EXPECT_EQ(input.at("attrs"), json::object{});
  EXPECT_EQ(input.at("global_config").as_object().at("team"), "a");
  EXPECT_TRUE(input.at("global_config").as_object().contains("ng"));
}

TEST_F(JobRunnerTest, CronJobRunsEverySecond) {
  json::object cron{{"unique_id", "c"},
                    {"kind", "Cron"},
                    {"cron_expression", "* * * * * ?"},
                    {"config", wasm_config(server_.url("/c"))}};
  runner_->sync(global_with({job_slot(cron)}), kNoEntities);
  // A run is counted once its call returned, after the server saw it.
  ASSERT_TRUE(eventually([&] {
    auto s = status_of("c");
    return s && s->runs >= 2;
  }));
  EXPECT_GE(server_.count("/c/run"), 2);
  EXPECT_EQ(server_.count("/c/start"), 1);
  auto status = status_of("c");
  EXPECT_EQ(status->kind, core::JobKind::Cron);
  EXPECT_EQ(status->id, "io.otoroshi.next.plugins.wasm.WasmJob#c");
  EXPECT_EQ(status->failures, 0u);
  EXPECT_TRUE(status->last_run);
}

TEST_F(JobRunnerTest, UnchangedConfigKeepsTheJob) {
  const auto global = global_with({job_slot(every("u", wasm_config(server_.url("/u")), 20))});
  runner_->sync(global, kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/u/run") >= 1; }));
  runner_->sync(global, kNoEntities);
  runner_->sync(global_with({job_slot(every("u", wasm_config(server_.url("/u")), 20))}, {{"x", 1}}),
                kNoEntities);
  const int runs = server_.count("/u/run");
  ASSERT_TRUE(eventually([&] { return server_.count("/u/run") >= runs + 2; }));
  EXPECT_EQ(server_.count("/u/start"), 1);
  EXPECT_EQ(server_.count("/u/stop"), 0);
}

TEST_F(JobRunnerTest, ChangedConfigStopsTheOldJobThenStartsTheNew) {
  runner_->sync(global_with({job_slot(every("x", wasm_config(server_.url("/old")), 20))}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/old/run") >= 2; }));
  runner_->sync(global_with({job_slot(every("x", wasm_config(server_.url("/new")), 20))}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/new/run") >= 2; }));

  const auto paths = server_.paths();
  const auto at = [&](const std::string& p) {
    return std::find(paths.begin(), paths.end(), p) - paths.begin();
  };
  EXPECT_EQ(server_.count("/old/stop"), 1);
  EXPECT_EQ(server_.count("/new/start"), 1);
  EXPECT_LT(at("/old/stop"), at("/new/start"));
  EXPECT_EQ(std::count(paths.begin() + at("/old/stop"), paths.end(), "/old/run"), 0);
}

TEST_F(JobRunnerTest, ScheduledOnceRunsOnceThenStops) {
  json::object once{{"unique_id", "o"},
                    {"kind", "ScheduledOnce"},
                    {"initial_delay", 10},
                    {"config", wasm_config(server_.url("/o"))}};
  runner_->sync(global_with({job_slot(once)}), kNoEntities);
  ASSERT_TRUE(eventually([&] {
    auto s = status_of("o");
    return s && s->stopped;
  }));
  EXPECT_EQ(server_.paths(), (std::vector<std::string>{"/o/start", "/o/run", "/o/stop"}));
  auto status = status_of("o");
  EXPECT_EQ(status->runs, 1u);
  EXPECT_FALSE(status->next_run);
  runner_->sync(global_with({}), kNoEntities);  // no second job_stop
  runner_->stop();
  EXPECT_EQ(server_.count("/o/stop"), 1);
}

TEST_F(JobRunnerTest, AutonomousRunsOnceAndStopsWhenRemoved) {
  json::object autonomous{
      {"unique_id", "a"}, {"kind", "Autonomous"}, {"config", wasm_config(server_.url("/a"))}};
  runner_->sync(global_with({job_slot(autonomous)}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/a/run") == 1; }));
  EXPECT_EQ(server_.count("/a/stop"), 0);
  runner_->sync(global_with({}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/a/stop") == 1; }));
  EXPECT_EQ(server_.paths(), (std::vector<std::string>{"/a/start", "/a/run", "/a/stop"}));
}

TEST_F(JobRunnerTest, FunctionNameReplacesJobRun) {
  runner_->sync(global_with({job_slot(every("f", wasm_config(server_.url("/f"), "tick"), 20))}), kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/f/tick") >= 2; }));
  EXPECT_EQ(server_.count("/f/run"), 0);
  EXPECT_EQ(status_of("f")->function, "tick");
}

TEST_F(JobRunnerTest, FailedRunsAreCountedAndTheJobGoesOn) {
  runner_->sync(global_with({job_slot(every("r", wasm_config(server_.url("/r"), "fail_run"), 20))}),
                kNoEntities);
  ASSERT_TRUE(eventually([&] {
    auto s = status_of("r");
    return s && s->failures >= 3;
  }));
  auto status = status_of("r");
  EXPECT_EQ(status->runs, status->failures);
  EXPECT_GE(server_.count("/r/fail"), 3);
  EXPECT_NE(status->last_error.find("fail_run always fails"), std::string::npos) << status->last_error;
}

TEST_F(JobRunnerTest, MissingStartExportOnlyLogs) {
  // echo.wasm has neither job_start nor job_stop: its `noop` still runs on schedule.
  json::object config{{"source",
                       {{"kind", "File"},
                        {"path", std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/echo.wasm"},
                        {"opts", json::object{}}}},
                      {"functionName", "noop"}};
  runner_->sync(global_with({job_slot(every("m", config, 20))}), kNoEntities);
  ASSERT_TRUE(eventually([&] {
    auto s = status_of("m");
    return s && s->runs >= 2;
  }));
  auto status = status_of("m");
  EXPECT_EQ(status->failures, 0u);
  EXPECT_NE(status->last_error.find("job_start"), std::string::npos) << status->last_error;
}

TEST_F(JobRunnerTest, BadOrDisabledSlotsAreNotStartedButOthersAre) {
  runner_->sync(
      global_with({job_slot(json::object{{"kind", "ScheduledEvery"}}),  // no unique_id
                   job_slot(every("off", wasm_config(server_.url("/off")), 20), false),
                   job_slot(json::object{{"unique_id", "bad"}, {"kind", "Cron"}, {"cron_expression", "x"}}),
                   job_slot(every("ok", wasm_config(server_.url("/ok")), 20)),
                   job_slot(every("ok", wasm_config(server_.url("/dup")), 20))}),
      kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/ok/run") >= 1; }));
  const auto status = runner_->status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].unique_id, "ok");
  EXPECT_EQ(server_.count("/off/start") + server_.count("/dup/start"), 0);
}

TEST_F(JobRunnerTest, LocalSourceFollowsTheEntityAndRestartsWhenItChanges) {
  auto entity = [&](const std::string& prefix) {
    auto parsed = model::parse_wasm_plugin(json::object{{"id", "wasm-plugin_jobs"},
                                                        {"name", "jobs"},
                                                        {"description", ""},
                                                        {"config", wasm_config(server_.url(prefix))}});
    EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.error().message);
    return std::move(*parsed);
  };
  model::WasmPlugin plugin = entity("/v1");
  PluginLookup lookup = [&](std::string_view id) { return id == plugin.id ? &plugin : nullptr; };
  json::object local{{"source", {{"kind", "Local"}, {"path", "wasm-plugin_jobs"}, {"opts", json::object{}}}}};
  const auto global = global_with({job_slot(every("l", local, 20))});
  runner_->sync(global, lookup);
  ASSERT_TRUE(eventually([&] { return server_.count("/v1/run") >= 1; }));
  EXPECT_EQ(status_of("l")->plugin_id, "wasm-plugin_jobs");

  plugin = entity("/v2");
  runner_->sync(global, lookup);
  ASSERT_TRUE(eventually([&] { return server_.count("/v2/run") >= 1; }));
  EXPECT_EQ(server_.count("/v1/stop"), 1);
  EXPECT_EQ(server_.count("/v2/start"), 1);
}

TEST_F(JobRunnerTest, StopCallsJobStopForEveryStartedJob) {
  runner_->sync(global_with({job_slot(every("s1", wasm_config(server_.url("/s1")), 20)),
                             job_slot(every("s2", wasm_config(server_.url("/s2")), 5000))}),
                kNoEntities);
  ASSERT_TRUE(eventually([&] { return server_.count("/s1/run") >= 1 && server_.count("/s2/run") >= 1; }));
  runner_->stop();
  EXPECT_EQ(server_.count("/s1/stop"), 1);
  EXPECT_EQ(server_.count("/s2/stop"), 1);
  runner_->sync(global_with({job_slot(every("s3", wasm_config(server_.url("/s3")), 20))}), kNoEntities);
  EXPECT_TRUE(runner_->status().empty());  // sync after stop() is a no-op
}

}  // namespace
}  // namespace wasmgate::plugins
