// SPDX-License-Identifier: Apache-2.0
#include "ssd/torch_unpickler.h"

#include "ssd/torch_unpickler_run.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace es::engine::pickle {

namespace {

// Python's pickle opcodes (Lib/pickle.py), the binary ones of protocols 1 to 5.
// clang-format off
enum Op : uint8_t {
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', BINFLOAT = 'G', BININT = 'J', BININT1 = 'K',
    BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R', BINSTRING = 'T', SHORT_BINSTRING = 'U',
    BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd', APPENDS = 'e', BINGET = 'h',
    LONG_BINGET = 'j', LIST = 'l', BINPUT = 'q', LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', SETITEMS = 'u',
    EMPTY_DICT = '}', EMPTY_LIST = ']', EMPTY_TUPLE = ')', BINBYTES = 'B', SHORT_BINBYTES = 'C', PROTO = 0x80,
    NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a,
    LONG4 = 0x8b, SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f,
    ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
    BYTEARRAY8 = 0x96
};
// clang-format on

} // namespace

Result<int32_t> Unpickler::add(Node node)
{
    if (nodes_.size() >= limits_.maxNodes)
        return Status(StatusCode::CorruptData, "more than " + std::to_string(limits_.maxNodes) + " values");
    nodes_.push_back(std::move(node));
    return int32_t(nodes_.size() - 1);
}

Result<uint64_t> Unpickler::Run::readUnsigned(size_t bytes)
{
    if (size_ - pos_ < bytes)
        return fail("the pickle ends inside an opcode's argument (truncated file)");
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; ++i)
        value |= uint64_t(uint8_t(data_[pos_ + i])) << (8 * i);
    pos_ += bytes;
    return value;
}

Result<std::string> Unpickler::Run::readBytes(uint64_t count)
{
    if (uint64_t(size_ - pos_) < count)
        return fail("a string of " + std::to_string(count) + " bytes runs past the end (truncated file)");
    std::string text(data_ + pos_, size_t(count));
    pos_ += size_t(count);
    return text;
}

Result<std::string> Unpickler::Run::readLine()
{
    const size_t limit = std::min(size_, pos_ + 1024);
    for (size_t end = pos_; end < limit; ++end) {
        if (data_[end] == '\n') {
            std::string line(data_ + pos_, end - pos_);
            pos_ = end + 1;
            return line;
        }
    }
    return fail(
        limit == size_ ? "the pickle ends inside a GLOBAL name (truncated file)" : "a GLOBAL name without its newline");
}

Status Unpickler::Run::push(int32_t index)
{
    if (stack_.size() >= u_.limits_.maxStack)
        return fail("the stack grows past " + std::to_string(u_.limits_.maxStack) + " values");
    stack_.push_back(index);
    return Status::ok();
}

Result<int32_t> Unpickler::Run::make(Node node)
{
    auto index = u_.add(std::move(node));
    if (!index)
        return fail(index.status().message());
    return *index;
}

Status Unpickler::Run::pushNew(Node node)
{
    ES_ASSIGN_OR_RETURN(const int32_t index, make(std::move(node)));
    return push(index);
}

Result<int32_t> Unpickler::Run::pop()
{
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
        return fail("an opcode takes a value from an empty stack");
    const int32_t index = stack_.back();
    stack_.pop_back();
    return index;
}

Result<int32_t> Unpickler::Run::top()
{
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
        return fail("an opcode needs a value on an empty stack");
    return stack_.back();
}

Result<std::vector<int32_t>> Unpickler::Run::popToMark()
{
    if (marks_.empty())
        return fail("an opcode needs a MARK that was never set");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<int32_t> items(stack_.begin() + std::ptrdiff_t(mark), stack_.end());
    stack_.resize(mark);
    return items;
}

Result<int32_t> Unpickler::Run::run()
{
    bool stopped = false;
    while (!stopped) {
        if (pos_ >= size_)
            return fail("the pickle ends before its STOP opcode (truncated file)");
        opStart_ = pos_;
        const uint8_t op = uint8_t(data_[pos_++]);
        ES_RETURN_IF_ERROR(step(op, stopped));
    }
    if (stack_.empty())
        return fail("STOP with an empty stack");
    return stack_.back();
}

Status Unpickler::Run::step(uint8_t op, bool& stopped)
{
    bool handled = false;
    if (op == STOP) {
        stopped = true;
        return Status::ok();
    }
    for (auto group : { &Run::scalarOp, &Run::textOp, &Run::containerOp, &Run::fillOp, &Run::objectOp, &Run::memoOp }) {
        ES_RETURN_IF_ERROR((this->*group)(op, handled));
        if (handled)
            return Status::ok();
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", op);
    return fail(std::string("opcode ") + hex + " is not one torch.save writes (not a torch.save file, or damaged)");
}

Status Unpickler::Run::scalarOp(uint8_t op, bool& handled)
{
    handled = true;
    Node node;
    switch (op) {
    case PROTO: {
        ES_ASSIGN_OR_RETURN(const uint64_t protocol, readUnsigned(1));
        if (protocol > 5)
            return fail("pickle protocol " + std::to_string(protocol) + " (this reader knows 2 to 5)");
        return Status::ok();
    }
    case FRAME: // protocol 4: the frame's length, which this reader does not need
        return readUnsigned(8).status();
    case NONE:
        return pushNew(node);
    case NEWTRUE:
    case NEWFALSE:
        node.kind = Kind::Bool;
        node.integer = op == NEWTRUE;
        return pushNew(node);
    case BININT: {
        ES_ASSIGN_OR_RETURN(const uint64_t value, readUnsigned(4));
        node.kind = Kind::Int;
        node.integer = int32_t(uint32_t(value));
        return pushNew(node);
    }
    case BININT1:
    case BININT2: {
        ES_ASSIGN_OR_RETURN(const uint64_t value, readUnsigned(op == BININT1 ? 1 : 2));
        node.kind = Kind::Int;
        node.integer = int64_t(value);
        return pushNew(node);
    }
    case LONG1:
    case LONG4: {
        ES_ASSIGN_OR_RETURN(const uint64_t count, readUnsigned(op == LONG1 ? 1 : 4));
        if (op == LONG4 && int32_t(uint32_t(count)) < 0)
            return fail("LONG4 with a negative length");
        ES_ASSIGN_OR_RETURN(node.text, readBytes(count));
        if (node.text.size() <= 8) {
            uint64_t value = 0;
            for (size_t i = 0; i < node.text.size(); ++i)
                value |= uint64_t(uint8_t(node.text[i])) << (8 * i);
            if (!node.text.empty() && node.text.size() < 8 && (uint8_t(node.text.back()) & 0x80))
                value |= ~uint64_t(0) << (8 * node.text.size()); // sign extension
            node.kind = Kind::Int;
            node.integer = int64_t(value);
        } else {
            node.kind = Kind::BigInt;
        }
        return pushNew(node);
    }
    case BINFLOAT: {
        if (size_ - pos_ < 8)
            return fail("BINFLOAT runs past the end (truncated file)");
        uint64_t bits = 0;
        for (size_t i = 0; i < 8; ++i)
            bits = (bits << 8) | uint8_t(data_[pos_ + i]); // big-endian
        pos_ += 8;
        node.kind = Kind::Float;
        std::memcpy(&node.real, &bits, sizeof bits);
        return pushNew(node);
    }
    default:
        handled = false;
        return Status::ok();
    }
}

Status Unpickler::Run::textOp(uint8_t op, bool& handled)
{
    struct TextOp
    {
        uint8_t op;
        uint8_t lengthBytes;
        Kind kind;
    };
    // clang-format off
    static const TextOp ops[] = { { SHORT_BINUNICODE, 1, Kind::String }, { SHORT_BINSTRING, 1, Kind::String },
        { BINUNICODE, 4, Kind::String }, { BINSTRING, 4, Kind::String }, { BINUNICODE8, 8, Kind::String },
        { SHORT_BINBYTES, 1, Kind::Bytes }, { BINBYTES, 4, Kind::Bytes }, { BINBYTES8, 8, Kind::Bytes },
        { BYTEARRAY8, 8, Kind::Bytes } };
    // clang-format on
    const auto found = std::find_if(std::begin(ops), std::end(ops), [op](const TextOp& text) { return text.op == op; });
    handled = found != std::end(ops);
    if (!handled)
        return Status::ok();
    ES_ASSIGN_OR_RETURN(const uint64_t length, readUnsigned(found->lengthBytes));
    if (op == BINSTRING && int32_t(uint32_t(length)) < 0)
        return fail("BINSTRING with a negative length");
    Node node;
    node.kind = found->kind;
    ES_ASSIGN_OR_RETURN(node.text, readBytes(length));
    return pushNew(std::move(node));
}

Status Unpickler::Run::containerOp(uint8_t op, bool& handled)
{
    handled = true;
    Node node;
    switch (op) {
    case MARK:
        if (marks_.size() >= u_.limits_.maxMarks)
            return fail("MARKs nested deeper than " + std::to_string(u_.limits_.maxMarks));
        marks_.push_back(stack_.size());
        return Status::ok();
    case POP:
        if (!stack_.empty() && (marks_.empty() || stack_.size() > marks_.back()))
            return pop().status();
        return popToMark().status();
    case POP_MARK:
        return popToMark().status();
    case DUP: {
        ES_ASSIGN_OR_RETURN(const int32_t value, top());
        return push(value);
    }
    case EMPTY_TUPLE:
        node.kind = Kind::Tuple;
        return pushNew(node);
    case TUPLE1:
    case TUPLE2:
    case TUPLE3:
        node.kind = Kind::Tuple;
        node.items.resize(size_t(op - TUPLE1 + 1));
        for (size_t i = node.items.size(); i-- > 0;) {
            ES_ASSIGN_OR_RETURN(node.items[i], pop());
        }
        return pushNew(std::move(node));
    case TUPLE:
    case LIST:
    case DICT:
    case FROZENSET: {
        node.kind = op == TUPLE ? Kind::Tuple : op == LIST ? Kind::List : op == DICT ? Kind::Dict : Kind::Set;
        ES_ASSIGN_OR_RETURN(node.items, popToMark());
        if (op == DICT && node.items.size() % 2 != 0)
            return fail("DICT with an odd number of keys and values");
        return pushNew(std::move(node));
    }
    case EMPTY_LIST:
    case EMPTY_DICT:
    case EMPTY_SET:
        node.kind = op == EMPTY_LIST ? Kind::List : op == EMPTY_DICT ? Kind::Dict : Kind::Set;
        return pushNew(node);
    default:
        handled = false;
        return Status::ok();
    }
}

Status Unpickler::Run::fillOp(uint8_t op, bool& handled)
{
    std::vector<int32_t> items;
    switch (op) {
    case APPEND:
    case SETITEM: {
        const int count = op == APPEND ? 1 : 2;
        items.resize(size_t(count));
        for (int i = count; i-- > 0;) {
            ES_ASSIGN_OR_RETURN(items[size_t(i)], pop());
        }
        break;
    }
    case APPENDS:
    case SETITEMS:
    case ADDITEMS: {
        ES_ASSIGN_OR_RETURN(items, popToMark());
        break;
    }
    default:
        handled = false;
        return Status::ok();
    }
    handled = true;
    ES_ASSIGN_OR_RETURN(const int32_t target, top());
    const Kind kind = kindOf(target);
    const bool dictOp = op == SETITEM || op == SETITEMS;
    if (dictOp && items.size() % 2 != 0)
        return fail("SETITEMS with an odd number of keys and values");
    if (kind == Kind::Object)
        return Status::ok(); // an object EdgeScope does not rebuild: its items are dropped with it
    if (dictOp ? kind != Kind::Dict : (kind != Kind::List && kind != Kind::Set))
        return fail(
            std::string(dictOp ? "SETITEM" : "APPEND") + " on a value that is no " + (dictOp ? "dict" : "list"));
    Node& node = at(target);
    node.items.insert(node.items.end(), items.begin(), items.end());
    return Status::ok();
}

Status Unpickler::Run::memoOp(uint8_t op, bool& handled)
{
    handled = true;
    uint64_t key = 0;
    switch (op) {
    case BINPUT:
    case LONG_BINPUT:
    case MEMOIZE: {
        if (op == MEMOIZE) {
            key = memo_.size();
        } else {
            ES_ASSIGN_OR_RETURN(key, readUnsigned(op == BINPUT ? 1 : 4));
        }
        ES_ASSIGN_OR_RETURN(const int32_t value, top());
        if (memo_.size() >= u_.limits_.maxNodes)
            return fail("the memo grows past " + std::to_string(u_.limits_.maxNodes) + " entries");
        memo_[key] = value;
        return Status::ok();
    }
    case BINGET:
    case LONG_BINGET: {
        ES_ASSIGN_OR_RETURN(key, readUnsigned(op == BINGET ? 1 : 4));
        const auto found = memo_.find(key);
        if (found == memo_.end())
            return fail("a memo lookup (BINGET " + std::to_string(key) + ") of a value never stored");
        return push(found->second);
    }
    default:
        handled = false;
        return Status::ok();
    }
}

Status Unpickler::Run::pushGlobal(const std::string& module, const std::string& name)
{
    Node node;
    node.kind = Kind::Global;
    node.text = module + "." + name;
    return pushNew(std::move(node));
}

Status Unpickler::Run::objectOp(uint8_t op, bool& handled)
{
    handled = true;
    switch (op) {
    case GLOBAL: {
        ES_ASSIGN_OR_RETURN(const std::string module, readLine());
        ES_ASSIGN_OR_RETURN(const std::string name, readLine());
        return pushGlobal(module, name);
    }
    case STACK_GLOBAL: {
        ES_ASSIGN_OR_RETURN(const int32_t name, pop());
        ES_ASSIGN_OR_RETURN(const int32_t module, pop());
        if (kindOf(name) != Kind::String || kindOf(module) != Kind::String)
            return fail("STACK_GLOBAL without a module and a name");
        return pushGlobal(at(module).text, at(name).text);
    }
    case REDUCE:
    case NEWOBJ:
    case NEWOBJ_EX: {
        if (op == NEWOBJ_EX)
            ES_RETURN_IF_ERROR(pop().status()); // keyword arguments
        ES_ASSIGN_OR_RETURN(const int32_t args, pop());
        ES_ASSIGN_OR_RETURN(const int32_t callable, pop());
        if (kindOf(args) != Kind::Tuple)
            return fail("REDUCE with arguments that are no tuple");
        const std::vector<int32_t> argItems = at(args).items;
        ES_ASSIGN_OR_RETURN(const int32_t result, call(callable, argItems, 0));
        return push(result);
    }
    case BUILD: {
        ES_RETURN_IF_ERROR(pop().status()); // the state: attributes of an object, _metadata of a state dict
        return top().status();
    }
    case BINPERSID: {
        ES_ASSIGN_OR_RETURN(const int32_t pid, pop());
        ES_ASSIGN_OR_RETURN(const int32_t storage, persistentLoad(pid));
        return push(storage);
    }
    default:
        handled = false;
        return Status::ok();
    }
}

Result<int32_t> Unpickler::load(const char* data, size_t size, size_t& offset, const std::string& what)
{
    Run run(*this, data, size, offset, what);
    auto root = run.run();
    offset = run.position();
    return root;
}

} // namespace es::engine::pickle
