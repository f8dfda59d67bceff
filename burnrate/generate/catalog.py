"""The fictional company's models and features: a fixed catalogue, independent of `--seed`.

The repo's dbt seeds (team mappings, budgets, model list) are derived from this catalogue, so nothing in
here may depend on the random seed or on the size of a run. The seed only drives traffic randomness.

Token sizes are the median of a log-normal distribution per request; `*_sigma` is its shape.
"""

from __future__ import annotations

from dataclasses import dataclass

# Routes: how a request reaches a model. They decide which cloud bill (if any) carries its tokens.
ROUTES = ("openai", "anthropic", "aws_bedrock", "azure_openai", "gcp_vertex", "self_hosted")
BILLED_ROUTES = {"aws_bedrock": "aws", "azure_openai": "azure", "gcp_vertex": "gcp"}


@dataclass(frozen=True)
class Model:
    """One model as applications call it, and how it is priced and billed."""

    key: str  # short stable key used in our tables
    name: str  # the model name as the application sends/logs it
    route: str  # one of ROUTES
    genai_provider: str | None  # genai-prices provider id (None: no public price, e.g. self-hosted)
    genai_ref: str | None  # genai-prices model reference
    context_window: int
    cache_read: bool = False  # provider reports cache-read tokens
    cache_write: bool = False  # provider bills cache writes (Anthropic-style prompt caching)
    reasoning: bool = False  # provider reports reasoning tokens separately
    audio: bool = False  # audio input/output tokens
    base_latency_s: float = 0.4
    tokens_per_s: float = 80.0
    response_model: str | None = None  # resolved model name the provider returns
    billing_name: str | None = None  # cloud bill's model segment (AWS usage type / Azure meter / GCP SKU)
    billing_suffix: str = ""  # AWS usage-type suffix (-cross-region-global, -batch, ...)


# fmt: off
MODELS: tuple[Model, ...] = (
    Model("gpt-5.1", "gpt-5.1", "openai", "openai", "gpt-5.1", 400000, cache_read=True, reasoning=True, base_latency_s=0.6, tokens_per_s=70, response_model="gpt-5.1-2025-11-13"),
    Model("gpt-5-mini", "gpt-5-mini", "openai", "openai", "gpt-5-mini", 400000, cache_read=True, reasoning=True, tokens_per_s=110, response_model="gpt-5-mini-2025-08-07"),
    Model("gpt-audio-mini", "gpt-audio-mini", "openai", "openai", "gpt-audio-mini", 128000, audio=True, base_latency_s=0.3, tokens_per_s=90, response_model="gpt-audio-mini-2025-10-06"),
    Model("text-embedding-3-small", "text-embedding-3-small", "openai", "openai", "text-embedding-3-small", 8191, base_latency_s=0.08, tokens_per_s=1000000000.0),
    Model("ft-tone", "ft:gpt-4.1-nano-2025-04-14:acme:tone-v3:B7xQ2kLm", "openai", None, None, 128000, base_latency_s=0.2, tokens_per_s=150),
    Model("claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic", "anthropic", "claude-sonnet-4-5", 200000, cache_read=True, cache_write=True, base_latency_s=0.9, tokens_per_s=60, response_model="claude-sonnet-4-5-20250929"),
    Model("claude-haiku-4-5", "claude-haiku-4-5", "anthropic", "anthropic", "claude-haiku-4-5", 200000, cache_read=True, cache_write=True, base_latency_s=0.45, tokens_per_s=120, response_model="claude-haiku-4-5-20251001"),
    Model("claude-opus-4-5", "claude-opus-4-5", "anthropic", "anthropic", "claude-opus-4-5", 200000, cache_read=True, cache_write=True, base_latency_s=1.4, tokens_per_s=45, response_model="claude-opus-4-5-20251101"),
    Model("bedrock-sonnet-4-5", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws_bedrock", "aws", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", 200000, cache_read=True, cache_write=True, base_latency_s=1.0, tokens_per_s=55, billing_name="Claude4.5Sonnet", billing_suffix="-cross-region-global"),
    Model("bedrock-haiku-4-5", "us.anthropic.claude-haiku-4-5-20251001-v1:0", "aws_bedrock", "aws", "us.anthropic.claude-haiku-4-5-20251001-v1:0", 200000, cache_read=True, cache_write=True, base_latency_s=0.5, tokens_per_s=110, billing_name="Claude4.5Haiku", billing_suffix="-batch"),
    Model("bedrock-nova-pro", "amazon.nova-pro-v1:0", "aws_bedrock", "aws", "amazon.nova-pro-v1:0", 300000, base_latency_s=0.5, tokens_per_s=90, billing_name="NovaPro"),
    Model("azure-gpt-4.1", "gpt-4.1", "azure_openai", "azure", "gpt-4.1", 1000000, cache_read=True, base_latency_s=0.5, tokens_per_s=75, response_model="gpt-4.1-2025-04-14", billing_name="gpt 4.1 0414"),
    Model("azure-gpt-4o-mini", "gpt-4o-mini", "azure_openai", "azure", "gpt-4o-mini", 128000, cache_read=True, base_latency_s=0.35, tokens_per_s=100, response_model="gpt-4o-mini-2024-07-18", billing_name="gpt 4o mini 0718"),
    Model("gemini-2.5-pro", "gemini-2.5-pro", "gcp_vertex", "google", "gemini-2.5-pro", 1000000, cache_read=True, reasoning=True, base_latency_s=1.1, billing_name="Gemini 2.5 Pro"),
    Model("gemini-2.5-flash", "gemini-2.5-flash", "gcp_vertex", "google", "gemini-2.5-flash", 1000000, cache_read=True, base_latency_s=0.35, tokens_per_s=160, billing_name="Gemini 2.5 Flash"),
    Model("llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct", "self_hosted", None, None, 128000, base_latency_s=0.25, tokens_per_s=45),
    Model("qwen2.5-32b", "Qwen/Qwen2.5-32B-Instruct", "self_hosted", None, None, 32768, base_latency_s=0.15, tokens_per_s=70),
)
# fmt: on
MODEL_INDEX = {m.key: i for i, m in enumerate(MODELS)}


@dataclass(frozen=True)
class Feature:
    """One product feature that calls models, with its believable token mix."""

    key: str
    team: str
    name: str
    kind: str  # rag | chat | agent | embedding | batch | classification | voice | generation
    weight: float  # share of the company"s baseline requests
    models: tuple[tuple[str, float], ...]
    in_median: float
    out_median: float
    in_sigma: float = 0.5
    out_sigma: float = 0.5
    cache_hit_p: float = 0.0  # share of requests that read from the prompt cache
    cache_frac: float = 0.0  # share of the input served from cache when it hits
    cache_write_p: float = 0.0  # share of requests that write the cache (models with cache_write)
    reasoning_frac: float = 0.0  # share of output that is reasoning (models with reasoning)
    audio_in: float = 0.0  # audio input tokens (median) for voice features
    audio_out: float = 0.0
    staging_share: float = 0.04
    error_rate: float = 0.006
    hours: str = "business"  # hour-of-day profile: business | consumer | batch | flat
    batch: bool = False  # priced/billed as batch processing
    prompt: str = ""
    prompt_versions: tuple[tuple[int, int], ...] = ((1, 999),)  # (version, in use from N days before end)
    usage_keys: str = ""  # Langfuse usageDetails convention; empty = by route (see langfuse.py)
    launch_days_before_end: int | None = None  # feature launched this many days before end_date
    growth: float = 0.10  # traffic growth over 30 days (0.10 = +10 %)
    untagged_share: float = 0.05  # requests without team/feature tags
    sessions: bool = False


def _f(*args, **kwargs) -> Feature:
    return Feature(*args, **kwargs)


# fmt: off
FEATURES: tuple[Feature, ...] = (
    # search: RAG with long, heavily cached inputs
    _f("rag-answer", "search", "RAG answers", "rag", 0.09, (("bedrock-sonnet-4-5", 1.0),), 14000, 420, cache_hit_p=0.8, cache_frac=0.75, cache_write_p=0.15, prompt="rag-answer-system", prompt_versions=((6, 999), (7, 18)), sessions=True),
    _f("query-rewrite", "search", "Query rewriting", "classification", 0.075, (("gemini-2.5-flash", 1.0),), 350, 60, cache_hit_p=0.2, cache_frac=0.5, prompt="query-rewrite"),
    _f("doc-embed", "search", "Document embeddings", "embedding", 0.07, (("text-embedding-3-small", 1.0),), 600, 0, in_sigma=0.7, staging_share=0.08, hours="flat", usage_keys="minimal", untagged_share=0.02),
    _f("rerank-llm", "search", "LLM re-ranking", "classification", 0.05, (("qwen2.5-32b", 1.0),), 2400, 24, prompt="rerank-listwise"),
    # support: customer chat, summaries, a fine-tuned classifier
    _f("support-chat", "support", "Support assistant chat", "chat", 0.1, (("claude-haiku-4-5", 0.7), ("gpt-5-mini", 0.3)), 5000, 300, in_sigma=0.6, cache_hit_p=0.65, cache_frac=0.6, cache_write_p=0.25, reasoning_frac=0.2, hours="consumer", prompt="support-chat-system", prompt_versions=((11, 999), (12, 9)), sessions=True),
    _f("ticket-summary", "support", "Ticket summarization", "batch", 0.06, (("llama-3.3-70b", 1.0),), 4000, 250, prompt="ticket-summary", usage_keys="minimal"),
    _f("reply-suggest", "support", "Reply suggestions", "generation", 0.04, (("claude-sonnet-4-5", 1.0),), 8000, 450, cache_hit_p=0.5, cache_frac=0.5, cache_write_p=0.2, prompt="reply-suggest"),
    _f("tone-classifier", "support", "Tone classifier (fine-tuned)", "classification", 0.04, (("ft-tone", 1.0),), 400, 5, hours="consumer", prompt="tone-classifier"),
    # growth: marketing copy and batch page generation
    _f("ad-copy", "growth", "Ad copy generation", "generation", 0.03, (("azure-gpt-4.1", 1.0),), 1500, 600, prompt="ad-copy"),
    _f("seo-pages", "growth", "SEO landing pages (batch)", "batch", 0.03, (("gemini-2.5-flash", 1.0),), 3000, 1500, staging_share=0.0, hours="batch", batch=True, prompt="seo-page"),
    _f("email-personalize", "growth", "Email personalization", "generation", 0.05, (("azure-gpt-4o-mini", 1.0),), 800, 250, prompt="email-personalize"),
    # platform: evals, an internal copilot, a self-hosted canary
    _f("eval-harness", "platform", "Offline eval harness", "batch", 0.04, (("llama-3.3-70b", 0.7), ("bedrock-sonnet-4-5", 0.3)), 3000, 400, staging_share=0.3, hours="batch", prompt="eval-judge"),
    _f("internal-copilot", "platform", "Internal copilot", "chat", 0.05, (("gpt-5.1", 1.0),), 6000, 900, in_sigma=0.7, cache_hit_p=0.4, cache_frac=0.5, reasoning_frac=0.3, prompt="copilot-system", usage_keys="langchain", sessions=True),
    _f("model-gateway-canary", "platform", "Self-hosted gateway canary", "chat", 0.02, (("qwen2.5-32b", 1.0),), 1200, 200, hours="flat", prompt="copilot-system", usage_keys="minimal"),
    # agents: long-context reasoning agents (the fast grower)
    _f("coding-agent", "agents", "Coding agent", "agent", 0.07, (("gpt-5.1", 0.5), ("claude-sonnet-4-5", 0.5)), 60000, 1500, in_sigma=0.6, cache_hit_p=0.85, cache_frac=0.8, cache_write_p=0.3, reasoning_frac=0.5, prompt="coding-agent", prompt_versions=((20, 999), (21, 14), (22, 4)), growth=0.6, sessions=True),
    _f("workflow-agent", "agents", "Workflow automation agent", "agent", 0.05, (("gpt-5-mini", 1.0),), 12000, 500, cache_hit_p=0.5, cache_frac=0.6, reasoning_frac=0.6, hours="flat", prompt="workflow-agent", growth=0.5),
    _f("browser-agent", "agents", "Browser agent (new)", "agent", 0.03, (("claude-sonnet-4-5", 1.0),), 25000, 600, cache_hit_p=0.7, cache_frac=0.7, cache_write_p=0.3, prompt="browser-agent", launch_days_before_end=12, growth=0.8, sessions=True),
    # data: nightly batch summaries, SQL help, extraction
    _f("nightly-digest", "data", "Nightly digest (batch)", "batch", 0.04, (("bedrock-haiku-4-5", 1.0),), 8000, 700, cache_hit_p=0.3, cache_frac=0.5, cache_write_p=0.1, staging_share=0.0, hours="batch", batch=True, prompt="digest"),
    _f("sql-assistant", "data", "SQL assistant", "chat", 0.03, (("gemini-2.5-pro", 1.0),), 15000, 400, in_sigma=0.6, cache_hit_p=0.3, cache_frac=0.5, reasoning_frac=0.4, prompt="sql-assistant", sessions=True),
    _f("entity-extract", "data", "Entity extraction", "batch", 0.04, (("bedrock-nova-pro", 1.0),), 1200, 150, hours="batch", prompt="entity-extract"),
    # mobile: voice and in-app chat
    _f("voice-assistant", "mobile", "Voice assistant", "voice", 0.04, (("gpt-audio-mini", 1.0),), 300, 120, audio_in=1500, audio_out=600, hours="consumer", prompt="voice-assistant", sessions=True),
    _f("in-app-chat", "mobile", "In-app chat", "chat", 0.07, (("azure-gpt-4o-mini", 1.0),), 1800, 220, cache_hit_p=0.5, cache_frac=0.5, hours="consumer", prompt="in-app-chat", usage_keys="raw", sessions=True),
    _f("smart-replies", "mobile", "Smart replies", "generation", 0.05, (("azure-gpt-4o-mini", 1.0),), 500, 40, hours="consumer", prompt="smart-replies"),
    # risk: moderation, fraud review, KYC (logs through Helicone AND Langfuse)
    _f("content-moderation", "risk", "Content moderation", "classification", 0.06, (("gpt-5-mini", 1.0),), 700, 30, reasoning_frac=0.5, hours="flat", prompt="moderation", usage_keys="langchain"),
    _f("fraud-review", "risk", "Fraud case review", "agent", 0.02, (("claude-sonnet-4-5", 1.0),), 12000, 900, cache_hit_p=0.4, cache_frac=0.5, cache_write_p=0.2, prompt="fraud-review"),
    _f("kyc-doc-check", "risk", "KYC document check (new)", "classification", 0.02, (("gemini-2.5-flash", 1.0),), 2500, 200, prompt="kyc-check", launch_days_before_end=5),
)
# fmt: on
FEATURE_INDEX = {f.key: i for i, f in enumerate(FEATURES)}


@dataclass(frozen=True)
class GpuNode:
    """A GPU node of the self-hosted fleet: an EC2 instance in the AWS bill and a dcgm-exporter target."""

    hostname: str
    instance_id: str
    instance_type: str
    gpu_model: str
    gpus: int
    fb_total_mib: int
    tdp_w: float
    idle_w: float
    hourly_usd: float  # public on-demand price
    account_id: str
    cluster: str
    namespace: str  # namespace that owns the node"s serving pods
    new_exporter: bool  # newer dcgm-exporter: lowercase `hostname` label, pci_bus_id, absent idle labels
    # (pod, container, gpu indices, features whose load drives it)
    pods: tuple[tuple[str, str, tuple[int, ...], tuple[str, ...]], ...]


# fmt: off
GPU_NODES: tuple[GpuNode, ...] = (
    GpuNode("ip-10-40-12-31.ec2.internal", "i-0a4c1e9b7d2f35061", "p4d.24xlarge", "NVIDIA A100-SXM4-40GB", 8, 40960, 400.0, 55.0, 21.96, "445566778899", "acme-gpu-prod", "llm-serving", False, (("vllm-llama-3-3-70b-0", "vllm", (0, 1, 2, 3), ("ticket-summary", "eval-harness")), ("vllm-llama-3-3-70b-1", "vllm", (4, 5, 6, 7), ("ticket-summary", "eval-harness")))),
    GpuNode("ip-10-40-14-77.ec2.internal", "i-03f8d6a2c91b4e7d0", "g6e.12xlarge", "NVIDIA L40S", 4, 46068, 350.0, 35.0, 10.49, "334455667788", "acme-gpu-prod", "search-inference", False, (("vllm-qwen2-5-32b-0", "vllm", (0, 1), ("rerank-llm",)), ("vllm-qwen2-5-32b-1", "vllm", (2, 3), ("rerank-llm",)))),
    GpuNode("ip-10-40-15-102.ec2.internal", "i-0c5e7a9d1b3f82640", "g6e.12xlarge", "NVIDIA L40S", 4, 46068, 350.0, 35.0, 10.49, "445566778899", "acme-gpu-prod", "llm-serving", True, (("vllm-qwen2-5-32b-canary-0", "vllm", (0, 1), ("model-gateway-canary",)),)),
    GpuNode("ip-10-40-20-9.ec2.internal", "i-09b2d4f6a8c0e1357", "g5.12xlarge", "NVIDIA A10G", 4, 23028, 300.0, 25.0, 5.672, "556677889900", "acme-gpu-batch", "ml-batch", False, (("embed-batch-28", "embedder", (0, 1, 2, 3), ()),)),
)
# fmt: on
