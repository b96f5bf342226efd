// A request's attrs as Otoroshi's attribute host functions see them (abi::otoroshi::CallAttrs): the object
// the proxy keeps per request, with the rules of the outputs' `attrs` side channel (step_output.h).
#pragma once

#include <boost/json/object.hpp>

#include "plugins/step_output.h"
#include "wasm/abi/otoroshi/host_services.h"

namespace wasmgate::plugins {

class RequestAttrs final : public abi::otoroshi::CallAttrs {
 public:
  explicit RequestAttrs(boost::json::object& attrs) : attrs_(attrs) {}

  const boost::json::object& all() const override { return attrs_; }
  bool set(std::string_view key, const boost::json::value& value) override {
    return set_attr(attrs_, key, value);
  }
  bool del(std::string_view needle) override { return del_attrs(attrs_, needle); }
  void clear() override { attrs_.clear(); }

 private:
  boost::json::object& attrs_;
};

}  // namespace wasmgate::plugins
