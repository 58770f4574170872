// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal to torch_unpickler*.cpp: the interpreter's state during one pickle.
#include "ssd/torch_unpickler.h"

#include <unordered_map>

namespace es::engine::pickle {

/// One pickle being interpreted: its bytes, stack, marks and memo. Lives for one Unpickler::load call.
class Unpickler::Run
{
public:
    Run(Unpickler& owner, const char* data, size_t size, size_t offset, const std::string& what)
        : u_(owner), data_(data), size_(size), pos_(offset), what_(what)
    { }

    Result<int32_t> run();
    size_t position() const { return pos_; }

private:
    Status fail(const std::string& why) const
    {
        return Status(StatusCode::CorruptData, what_ + ", byte " + std::to_string(opStart_) + ": " + why);
    }
    Node& at(int32_t index) { return u_.nodes_[size_t(index)]; }
    Kind kindOf(int32_t index) const { return u_.nodes_[size_t(index)].kind; }

    Result<uint64_t> readUnsigned(size_t bytes);
    Result<std::string> readBytes(uint64_t count);
    Result<std::string> readLine();
    Status push(int32_t index);
    Result<int32_t> make(Node node);
    Status pushNew(Node node);
    Result<int32_t> pop();
    Result<int32_t> top();
    Result<std::vector<int32_t>> popToMark();

    Status step(uint8_t op, bool& stopped);
    Status scalarOp(uint8_t op, bool& handled);
    Status textOp(uint8_t op, bool& handled);
    Status containerOp(uint8_t op, bool& handled);
    Status fillOp(uint8_t op, bool& handled);
    Status objectOp(uint8_t op, bool& handled);
    Status memoOp(uint8_t op, bool& handled);
    Status pushGlobal(const std::string& module, const std::string& name);
    Result<int32_t> call(int32_t callable, const std::vector<int32_t>& args, int depth);
    Result<int32_t> rebuildTensor(const std::vector<int32_t>& args);
    Result<int32_t> persistentLoad(int32_t pid);
    Result<int32_t> opaque(const std::string& name);

    Unpickler& u_;
    const char* data_;
    size_t size_;
    size_t pos_;
    size_t opStart_ = 0;
    const std::string& what_;
    std::vector<int32_t> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, int32_t> memo_;
};

} // namespace es::engine::pickle
