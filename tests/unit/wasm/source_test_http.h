// A scripted abi::HttpFetcher for the source tests: answers by URL, records every request it saw.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "wasm/abi/extism/http_fetcher.h"

namespace wasmgate::wasm::testing {

class FakeHttp final : public abi::HttpFetcher {
 public:
  using Handler = std::function<Result<abi::HttpFetchResponse>(const abi::HttpFetchRequest&)>;

  static abi::HttpFetchResponse reply(int status, std::string body,
                                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    return abi::HttpFetchResponse{status, std::move(headers), std::move(body)};
  }

  void route(const std::string& url, Handler handler) {
    std::lock_guard lock(mu_);
    routes_[url] = std::move(handler);
  }
  void route(const std::string& url, abi::HttpFetchResponse response) {
    route(url, [response](const abi::HttpFetchRequest&) { return Result<abi::HttpFetchResponse>(response); });
  }

  Result<abi::HttpFetchResponse> fetch(const abi::HttpFetchRequest& request, engine::Deadline deadline,
                                       std::uint64_t max_body_bytes) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      deadlines_.push_back(deadline);
      if (auto it = routes_.find(request.url); it != routes_.end()) handler = it->second;
    }
    if (!handler) return reply(500, "no route for " + request.url);
    return handler(request);
  }

  std::vector<abi::HttpFetchRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<engine::Deadline> deadlines() const {
    std::lock_guard lock(mu_);
    return deadlines_;
  }

  // The value of header `name` in request `index` ("" when absent).
  std::string header(std::size_t index, const std::string& name) const {
    std::lock_guard lock(mu_);
    for (const auto& [key, value] : requests_.at(index).headers) {
      if (key == name) return value;
    }
    return "";
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Handler> routes_;
  std::vector<abi::HttpFetchRequest> requests_;
  std::vector<engine::Deadline> deadlines_;
};

}  // namespace wasmgate::wasm::testing
