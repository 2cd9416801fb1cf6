declare module "dockerode";
