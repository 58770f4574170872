// SPDX-License-Identifier: Apache-2.0
#include "ssd/postprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace es::engine;

namespace {

void expectBox(const torch::Tensor& boxes, int64_t index, double cx, double cy, double w, double h)
{
    const auto box = boxes[index];
    EXPECT_NEAR(box[0].item<double>(), cx, 1e-6) << "box " << index;
    EXPECT_NEAR(box[1].item<double>(), cy, 1e-6) << "box " << index;
    EXPECT_NEAR(box[2].item<double>(), w, 1e-6) << "box " << index;
    EXPECT_NEAR(box[3].item<double>(), h, 1e-6) << "box " << index;
}

std::vector<std::array<float, 4>> randomBoxes(std::mt19937& random, int count)
{
    std::uniform_real_distribution<float> position(0.0f, 0.8f), size(0.02f, 0.3f);
    std::vector<std::array<float, 4>> boxes;
    for (int i = 0; i < count; ++i) {
        const float x = position(random), y = position(random);
        boxes.push_back({ x, y, x + size(random), y + size(random) });
    }
    return boxes;
}

} // namespace

TEST(DefaultBoxes, MatchTheFormulasWorkedByHand)
{
    const torch::Tensor boxes = defaultBoxesXywh();
    ASSERT_EQ(boxes.sizes(), (std::vector<int64_t> { 8732, 4 }));
    // Map 0 (38 x 38, step 8: 37.5 cells per unit), first shape: scale 21/300 = 0.07.
    expectBox(boxes, 0, 0.5 / 37.5, 0.5 / 37.5, 0.07, 0.07);
    expectBox(boxes, 1, 1.5 / 37.5, 0.5 / 37.5, 0.07, 0.07);
    expectBox(boxes, 38, 0.5 / 37.5, 1.5 / 37.5, 0.07, 0.07);
    // Second shape sqrt(21 * 45) / 300 starts after 38 * 38 boxes.
    expectBox(boxes, 1444, 0.5 / 37.5, 0.5 / 37.5, std::sqrt(21.0 * 45.0) / 300, std::sqrt(21.0 * 45.0) / 300);
    // Aspect ratio 2: w = 0.07 sqrt(2), h = 0.07 / sqrt(2); then its transpose.
    expectBox(boxes, 2888, 0.5 / 37.5, 0.5 / 37.5, 0.07 * std::sqrt(2.0), 0.07 / std::sqrt(2.0));
    expectBox(boxes, 4332, 0.5 / 37.5, 0.5 / 37.5, 0.07 / std::sqrt(2.0), 0.07 * std::sqrt(2.0));
    // Map 1 (19 x 19, step 16: 18.75 cells per unit) starts at 4 * 1444 = 5776 with scale 45/300.
    expectBox(boxes, 5776, 0.5 / 18.75, 0.5 / 18.75, 0.15, 0.15);
    // The last box: map 5 (1 x 1), ratio 2 transposed: h = 0.87 sqrt(2) > 1 is clamped to 1.
    expectBox(boxes, 8731, 0.5, 0.5, 0.87 / std::sqrt(2.0), 1.0);
    EXPECT_GE(boxes.min().item<float>(), 0.0f);
    EXPECT_LE(boxes.max().item<float>(), 1.0f);
}

TEST(Decode, TurnsKnownEncodingsIntoBoxes)
{
    const torch::Tensor anchors = defaultBoxesXywh();
    torch::Tensor locations = torch::zeros({ 1, 4, 8732 });
    torch::Tensor logits = torch::zeros({ 1, 81, 8732 });
    // Box 0: shift x by one anchor width (0.1 * 10 * w) and double the width (exp(0.2 * ln(2) / 0.2)).
    locations[0][0][0] = 10.0f;
    locations[0][2][0] = std::log(2.0f) / 0.2f;
    logits[0][5][0] = 3.0f;
    const auto [boxes, scores] = decodeBatch(locations, logits, anchors);
    ASSERT_EQ(boxes.sizes(), (std::vector<int64_t> { 1, 8732, 4 }));
    ASSERT_EQ(scores.sizes(), (std::vector<int64_t> { 1, 8732, 81 }));
    const double cx = 0.5 / 37.5 + 0.07, cy = 0.5 / 37.5, w = 0.14, h = 0.07;
    EXPECT_NEAR(boxes[0][0][0].item<double>(), cx - w / 2, 1e-6);
    EXPECT_NEAR(boxes[0][0][1].item<double>(), cy - h / 2, 1e-6);
    EXPECT_NEAR(boxes[0][0][2].item<double>(), cx + w / 2, 1e-6);
    EXPECT_NEAR(boxes[0][0][3].item<double>(), cy + h / 2, 1e-6);
    // Zero offsets give the anchor itself.
    EXPECT_NEAR(boxes[0][1][0].item<double>(), 1.5 / 37.5 - 0.035, 1e-6);
    const double expected = std::exp(3.0) / (std::exp(3.0) + 80.0);
    EXPECT_NEAR(scores[0][0][5].item<double>(), expected, 1e-6);
    EXPECT_NEAR(scores[0][0].sum().item<double>(), 1.0, 1e-5);
}

TEST(Iou, MatchesHandComputedValues)
{
    const torch::Tensor a = torch::tensor({ 0.0f, 0.0f, 2.0f, 2.0f, 1.0f, 1.0f, 3.0f, 3.0f }).reshape({ 2, 4 });
    const torch::Tensor b = torch::tensor({ 1.0f, 1.0f, 3.0f, 3.0f, 5.0f, 5.0f, 6.0f, 6.0f }).reshape({ 2, 4 });
    const torch::Tensor iou = pairwiseIou(a, b);
    EXPECT_NEAR(iou[0][0].item<float>(), 1.0f / 7.0f, 1e-6);
    EXPECT_NEAR(iou[1][0].item<float>(), 1.0f, 1e-6);
    EXPECT_NEAR(iou[0][1].item<float>(), 0.0f, 1e-6);
}

TEST(Nms, BatchedMatchesBruteForceOnRandomBoxes)
{
    std::mt19937 random(11);
    const int groups = 12, width = 60;
    torch::Tensor boxes = torch::zeros({ groups, width, 4 });
    torch::Tensor valid = torch::ones({ groups, width }, torch::kBool);
    std::vector<std::vector<std::array<float, 4>>> all;
    for (int g = 0; g < groups; ++g) {
        all.push_back(randomBoxes(random, width));
        for (int i = 0; i < width; ++i)
            for (int k = 0; k < 4; ++k)
                boxes[g][i][k] = all.back()[size_t(i)][size_t(k)];
        for (int i = width - g; i < width; ++i)
            valid[g][i] = false; // padding at the end of some groups
    }
    const torch::Tensor keep = batchedGreedyNms(boxes, valid, 0.5f);
    // The GPU's algorithm (a fixed point of matrix products), run here on the CPU, decides the same.
    EXPECT_TRUE(torch::equal(keep, batchedGreedyNms(boxes, valid, 0.5f, NmsMethod::FixedPoint)));
    for (int g = 0; g < groups; ++g) {
        std::vector<std::array<float, 4>> groupBoxes(all[size_t(g)].begin(), all[size_t(g)].begin() + (width - g));
        std::vector<float> scores;
        for (size_t i = 0; i < groupBoxes.size(); ++i)
            scores.push_back(1.0f - 0.001f * float(i)); // already sorted best first
        const auto kept = greedyNmsReference(groupBoxes, scores, 0.5f);
        std::vector<bool> expected(size_t(width), false);
        for (int64_t index : kept)
            expected[size_t(index)] = true;
        int suppressed = 0;
        for (int i = 0; i < width; ++i) {
            EXPECT_EQ(keep[g][i].item<bool>(), bool(expected[size_t(i)])) << "group " << g << " box " << i;
            suppressed += i < width - g && !expected[size_t(i)];
        }
        EXPECT_GT(suppressed, 0) << "the random boxes overlap enough to exercise suppression";
    }
}

TEST(Postprocess, StockAndVectorizedAgreeOnRandomOutputs)
{
    torch::manual_seed(5);
    const torch::Tensor anchors = defaultBoxesXywh();
    const torch::Tensor locations = torch::randn({ 2, 4, 8732 });
    torch::Tensor logits = torch::randn({ 2, 81, 8732 }) * 2.0;
    logits.select(1, 0).add_(3.0); // a background prior, so that classes have different candidate counts
    PostprocessConfig config;
    std::vector<int64_t> candidates;
    const auto vectorized = vectorizedPostprocess(locations, logits, anchors, config, &candidates);
    const auto [boxes, scores] = decodeBatch(locations, logits, anchors);
    for (int64_t b = 0; b < 2; ++b) {
        int64_t stockCandidates = 0;
        const FrameDetections stock = stockDecodeSingle(boxes[b], scores[b], config, &stockCandidates);
        EXPECT_EQ(stockCandidates, candidates[size_t(b)]);
        EXPECT_EQ(stockCandidates, (scores[b].narrow(1, 1, 80) > 0.05).sum().item<int64_t>());
        ASSERT_FALSE(stock.empty());
        EXPECT_LE(stock.size(), size_t(config.maxDetections));
        const Agreement agreement = compareDetections({ stock }, { vectorized[size_t(b)] });
        EXPECT_TRUE(agreement.identical) << "matched " << agreement.matched << " of " << stock.size();
        for (size_t i = 1; i < stock.size(); ++i)
            EXPECT_GE(stock[i - 1].score, stock[i].score);
        for (const Detection& d : stock) {
            EXPECT_GT(d.score, 0.05f);
            EXPECT_GE(d.label, 1);
            EXPECT_LE(d.label, 80);
        }
    }
}

TEST(Postprocess, NoCandidatesGivesNoDetections)
{
    const torch::Tensor anchors = defaultBoxesXywh();
    torch::Tensor logits = torch::zeros({ 1, 81, 8732 });
    logits.select(1, 0).fill_(20.0); // background everywhere
    std::vector<int64_t> candidates;
    const auto result = vectorizedPostprocess(torch::zeros({ 1, 4, 8732 }), logits, anchors, {}, &candidates);
    ASSERT_EQ(result.size(), 1u);
    EXPECT_TRUE(result[0].empty());
    EXPECT_EQ(candidates[0], 0);
    const auto [boxes, scores] = decodeBatch(torch::zeros({ 1, 4, 8732 }), logits, anchors);
    EXPECT_TRUE(stockDecodeSingle(boxes[0], scores[0], {}).empty());
}

TEST(Agreement, CountsMatchesAndDifferences)
{
    FrameDetections reference = { { 0.1f, 0.1f, 0.5f, 0.5f, 1, 0.9f }, { 0.6f, 0.6f, 0.9f, 0.9f, 2, 0.5f } };
    FrameDetections candidate = { { 0.1f, 0.1f, 0.5f, 0.52f, 1, 0.89f } };
    const Agreement agreement = compareDetections({ reference }, { candidate });
    EXPECT_EQ(agreement.matched, 1);
    EXPECT_DOUBLE_EQ(agreement.matchedShare, 0.5);
    EXPECT_NEAR(agreement.maxScoreDifference, 0.01, 1e-6);
    EXPECT_NEAR(agreement.maxBoxDifference, 0.02, 1e-6);
    EXPECT_FALSE(agreement.identical);
    EXPECT_TRUE(compareDetections({ reference }, { reference }).identical);
}
